"""Analysis for the office and open data for the website: every input cell as one tidy table
(``nianbao data``) and key figures across years with what stands out (``nianbao trends``).

``sources`` reads the inputs into plain records (no pandas); ``tidy``, ``figures`` and
``trends_book`` build on pandas, which is imported only by them: nothing on the start-up path of
``check``, ``template`` or the window imports this package's pandas modules.
"""
