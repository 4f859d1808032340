"""Which device a run uses: the GPU asked for, or the CPU (-1) where there is none; and its name."""
from thinc.api import prefer_gpu


def choose_device(gpu_id: int) -> int:
    """The GPU id to run on, or -1: a GPU id on a machine without one falls back to CPU."""
    if gpu_id < 0:
        return -1
    return gpu_id if prefer_gpu(gpu_id) else -1


def device_name(device: int) -> str:
    """What ``device`` (a :func:`choose_device` answer) is: 'cpu', or the GPU's name as CUDA reports it."""
    if device < 0:
        return "cpu"
    import cupy  # only reached where choose_device found a GPU, so cupy is there

    return cupy.cuda.runtime.getDeviceProperties(device)["name"].decode()
