"""Starting and stopping a server process (the REST service, the Streamlit demo) for
the load test and the demo screenshot, on a free loopback port."""
import socket
import subprocess
import tempfile
import time
import urllib.request
from typing import Dict, List, Optional


def start_server(cmd: List[str], health_url: str, timeout: float = 180, env: Optional[Dict[str, str]] = None) -> subprocess.Popen:
    """Start a server process and wait until ``health_url`` answers 200; a RuntimeError
    with its output if it exits first or does not answer within ``timeout`` seconds. Its
    output goes to a temporary file, not a pipe that nobody reads once it runs (a full
    pipe would block the server)."""
    log = tempfile.TemporaryFile(mode="w+", prefix="server-")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)

    def output() -> str:
        log.seek(0)
        return log.read()[-3000:]

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{output()}")
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"{' '.join(cmd)} did not answer {health_url} within {timeout:.0f} s:\n{output()}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
