"""The pure domain: the rules engine over plain data (no Flask, no I/O beyond reading a rules file),
the answers it accepts and the view model the pages and the offline copy share."""
