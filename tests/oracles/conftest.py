"""The vendored oracle files are data, read by tests/unit/test_rrule_oracle.py,
not tests of this project: pytest does not collect them."""

collect_ignore_glob = ["dateutil/*"]
