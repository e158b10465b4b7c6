"""The two shells over the same core: the command line (``cli``, with ``commands``,
``county_commands``, ``import_command`` and ``console``) and the PySide6 desktop app (``gui``,
with its Qt-free page logic in ``viewmodels``). Neither imports the other; what both do is in
``nianbao.services``."""
