"""What the window's pages show and how they behave, without Qt: the rows, texts and colours of
each page, and the state machines behind them (``check_state``: the 校验 page's re-check on
save; ``rollup_state`` and ``template_state``: the jobs of the 汇总 and 生成填报表 pages, each
followed by a ``job_state.JobTracker``). The pages in ``desktop.gui.pages`` only display these;
tests drive them directly."""
