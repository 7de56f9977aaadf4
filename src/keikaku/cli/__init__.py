"""The command line: thin commands that parse input, call a service and present the result."""
