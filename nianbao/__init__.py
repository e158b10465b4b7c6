"""年报助手 nianbao: the standard workbook, its checks, the county rollup and the Word report of
the 政府信息公开工作年度报告, offline.

The packages, from the bottom of the import graph up (a test holds this order):

* ``errors``, ``files``, ``applog``, ``jobs`` — the exception tree with its exit codes, safe
  output files and default output names, the log, the progress/cancel contract;
* ``workbook_templates`` — the official formats as data, the template builder, the reader;
* ``validation`` — the rule engine, the finding record, the narrative checks;
* ``converters`` — narrative readers, the neutral report document, Word/HTML/PDF writers;
* ``county`` — county collection: roster, handout, intake, decisions, summary, returns;
* ``importer`` — a published report read back into a workbook;
* ``services`` — what the command line and the window both do (check a file, make a template);
* ``desktop`` — the two shells: ``desktop.cli`` and the PySide6 app ``desktop.gui``.
"""

__version__ = "0.1.0"
