# faults_cordon.py: a node cordoned under a running job, then uncordoned.
list(APPEND fault_cases node_cordoned)
