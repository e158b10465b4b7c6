"""What the window's pages show and how they behave, without Qt: the rows, texts and colours of
each page, and the state machines behind them (the 校验 page's re-check on save, the jobs of the
汇总 page). The pages in ``desktop.gui.pages`` only display these; tests drive them directly."""
