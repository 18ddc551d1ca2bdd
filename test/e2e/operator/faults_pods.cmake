# Pod faults (faults_pods.py): refused templates (invalid label value, container name, requests
# above limits, Pod Security restricted, annotations over 256 KiB, nvidia.com/gpu 1.5), a node
# deleted or NotReady under a running job, a job name that starts with a digit.
list(APPEND fault_cases
  pods_refused_label
  pods_refused_container_name
  pods_refused_requests
  pods_refused_pod_security
  pods_refused_annotation_size
  pods_refused_fractional_gpu
  pods_node_deleted
  pods_node_not_ready
  pods_digit_name)
