"""The ``leadscore`` commands, one module per group; ``leadscore.cli`` wires them into one command line."""
