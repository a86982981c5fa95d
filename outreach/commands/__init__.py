"""The command-line commands, one module per stage; ``outreach.cli`` registers them.

Each module imports only click at the top: heavy libraries load inside the command that
needs them, so ``outreach --help`` stays fast.
"""
