# Fencing: a leader paused past its Lease writes nothing after the takeover (audit log).
list(APPEND fault_cases fencing)
