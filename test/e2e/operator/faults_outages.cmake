# faults_outages.py: etcd stopped under running jobs; the API server stopped under two replicas with
# leader election on.
list(APPEND fault_cases etcd_outage api_outage_leader_elected)
