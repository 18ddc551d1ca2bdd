# faults_readiness.py: /readyz goes 503 when a watch makes no progress for --watch-stall-window
# (the API server stopped), and ready again at the first progress once it is back.
list(APPEND fault_cases readiness_stall)
