tests/run.sh: line 101: 11: Bad file descriptor
