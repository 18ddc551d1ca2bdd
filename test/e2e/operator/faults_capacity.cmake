# Placement within a node's allocatable pods: no Pending workers, no requeue storm.
list(APPEND fault_cases capacity)
