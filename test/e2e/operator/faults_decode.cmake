# faults_decode.py: an object the decoder refuses never stops a watch (a TrainingJob, a Pod), and
# the operator resumes within seconds of an API server outage ending.
list(APPEND fault_cases decode_job decode_pod decode_outage)
