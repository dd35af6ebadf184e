"""The desk: a keyboard-driven Textual app over the service layer."""
