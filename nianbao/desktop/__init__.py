"""The user-facing shells: the command line now, the PySide6 desktop app later."""
