"""What the command line and the window both do, in one place: check a file (with last year's
workbook and a narrative), collect the files to check, make a template with its narrative
template. ``desktop.cli`` and ``desktop.gui`` call these; neither imports the other."""

from .checking import check_file, collect_inputs, unreadable_report
from .template import TemplateMade, make_template

__all__ = ["TemplateMade", "check_file", "collect_inputs", "make_template", "unreadable_report"]
