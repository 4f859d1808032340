"""A Spark standalone cluster on loopback, for the test and the benchmark of the Spark
engine against a real cluster rather than local mode: a master and N workers started
with the pyspark package's own launcher (``bin/spark-class``), each worker with its
own work directory, stopped when the ``with`` block ends."""
import json
import os
import subprocess
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

from .servers import free_port

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def _alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as response:
            return len([w for w in json.load(response).get("workers", []) if w.get("state") == "ALIVE"])
    except OSError:
        return -1  # the master is not up yet


@contextmanager
def loopback_cluster(workers: int = 2, cores: int = 1, memory: str = "2g", work_dir: Optional[Path] = None,
                     timeout: float = 120) -> Iterator[str]:
    """Start a master and ``workers`` workers on 127.0.0.1 and yield the master URL
    (``spark://127.0.0.1:PORT``); a RuntimeError with their logs if they do not come
    up within ``timeout`` seconds. Everything is stopped afterwards."""
    launcher = str(spark_home() / "bin" / "spark-class")
    env = {**os.environ, "SPARK_HOME": str(spark_home()), "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_NO_DAEMONIZE": "1"}
    port, ui_port = free_port(), free_port()
    url = f"spark://127.0.0.1:{port}"
    with ExitStack() as stack:
        root = Path(work_dir or stack.enter_context(tempfile.TemporaryDirectory(prefix="spark-cluster-")))
        root.mkdir(parents=True, exist_ok=True)
        procs: List[subprocess.Popen] = []
        logs: List[Path] = []

        def start(name: str, args: List[str]) -> None:
            logs.append(root / f"{name}.log")
            with logs[-1].open("w") as log:
                procs.append(subprocess.Popen([launcher, *args], env=env, stdout=log, stderr=subprocess.STDOUT))

        def stop() -> None:
            for proc in reversed(procs):
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()

        stack.callback(stop)
        start("master", [MASTER, "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui_port)])
        for i in range(workers):
            start(f"worker-{i}", [WORKER, url, "--host", "127.0.0.1", "--cores", str(cores), "--memory", memory,
                                  "--webui-port", str(free_port()), "--work-dir", str(root / f"worker-{i}")])
        deadline = time.time() + timeout
        while _alive_workers(ui_port) < workers:
            if time.time() > deadline or any(p.poll() is not None for p in procs):
                tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}" for log in logs)
                raise RuntimeError(f"the loopback Spark cluster did not come up with {workers} workers:\n{tails}")
            time.sleep(0.5)
        yield url
