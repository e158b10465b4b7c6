"""Document conversion: the clerk's narrative read from a .docx, .txt or .html (``narrative*``),
the report as a neutral document (``document``, ``compose``, ``tables``), written as Word, HTML
and PDF (``docx_writer``, ``word_styles``, ``html_writer``, ``pdf``) and read back to verify
(``docx_verify``); ``export`` is the one-click report, ``narrative_template`` the 正文模板.

County collection lives in ``nianbao.county``, report import in ``nianbao.importer``.
"""
