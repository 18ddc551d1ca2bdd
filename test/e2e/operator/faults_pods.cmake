# Pod faults (faults_pods.py): refused templates (invalid label value, container name, requests
# above limits, Pod Security restricted), a node deleted under a running job, a job name that
# starts with a digit.
list(APPEND fault_cases
  pods_refused_label
  pods_refused_container_name
  pods_refused_requests
  pods_refused_pod_security
  pods_node_deleted
  pods_digit_name)
