"""The format files, one per format version: read by ``workbook_templates.loader``."""
