"""Using a trained model: batch annotation (annotate.py, engines.py, spark.py,
writers.py), the REST service (service.py), the Streamlit demo (demo.py,
streamlit_app.py), their benchmarks (benchmark.py, load_benchmark.py, soak.py), a loopback
Spark cluster (spark_cluster.py), process memory (memory.py) and the helpers that
start and stop a server process (servers.py)."""
