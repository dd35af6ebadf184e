"""The scripting CLI: argument parsing and output only; every rule is a service call."""
