"""`xueliang sim cameras`: N looping RTSP cameras (TCP and UDP) served by GStreamer's RTSP server.

The server runs under the system Python (``/usr/bin/python3`` with ``gi``; Debian packages in
scripts/install-system-deps.sh), because PyGObject is not in the virtualenv. The video is
opencv-doc's ``vtest.avi`` re-encoded once to H.264 without B-frames (cached under
DATA_DIR/sim/), or a live test pattern with a burned-in clock. Mounts: rtsp://HOST:PORT/cam0 … camN-1.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

SYSTEM_PYTHON = "/usr/bin/python3"
VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
PATTERN = "pattern"

SERVER = r"""
import sys, gi
for name in ("Gst", "GstRtsp", "GstRtspServer"):
    gi.require_version(name, "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer
Gst.init(None)
host, port, count, source = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
if source == "pattern":
    launch = ("( videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=10/1 "
              "! clockoverlay ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=20 bframes=0 "
              "bitrate=800 ! h264parse name=parse ! rtph264pay name=pay0 pt=96 config-interval=1 )")
else:
    launch = (f'( multifilesrc location={source} loop=true caps="video/x-h264,stream-format=byte-stream,'
              'framerate=10/1" ! h264parse name=parse config-interval=-1 ! video/x-h264,alignment=au '
              '! rtph264pay name=pay0 pt=96 config-interval=1 )')

def fix_pts(pad, info):
    buf = info.get_buffer()
    if buf.pts == Gst.CLOCK_TIME_NONE:  # h264parse leaves PTS unset on a raw file (no B-frames: pts = dts)
        buf.pts = buf.dts
    return Gst.PadProbeReturn.OK

def configure(factory, media):
    parse = media.get_element().get_by_name_recurse_up("parse")
    if parse is not None and source != "pattern":
        parse.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, fix_pts)

server = GstRtspServer.RTSPServer()
server.set_address(host); server.set_service(port)
mounts = server.get_mount_points()
for i in range(count):
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch); factory.set_shared(True)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)
    factory.connect("media-configure", configure)
    mounts.add_factory(f"/cam{i}", factory)
server.attach(None)
print("ready", flush=True)
GLib.MainLoop().run()
"""


def prepare_source(cache_dir: Path) -> str:
    """vtest.avi as a raw Annex-B H.264 file (2 s GOP, no B-frames), made once; else the pattern."""
    target = cache_dir / "vtest.h264"
    if target.is_file():
        return str(target)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None or not VTEST.is_file():
        return PATTERN
    cache_dir.mkdir(parents=True, exist_ok=True)
    mp4 = cache_dir / "vtest_h264.mp4"
    encode = [
        ffmpeg,
        "-y",
        "-loglevel",
        "error",
        "-i",
        str(VTEST),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-profile:v",
        "baseline",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "20",
        "-keyint_min",
        "20",
        "-sc_threshold",
        "0",
        "-bf",
        "0",
        "-an",
        str(mp4),
    ]
    subprocess.run(encode, check=True, timeout=120)  # noqa: S603
    annexb = [
        ffmpeg,
        "-y",
        "-loglevel",
        "error",
        "-i",
        str(mp4),
        "-c",
        "copy",
        "-bsf:v",
        "h264_mp4toannexb",
        "-f",
        "h264",
        str(target),
    ]
    subprocess.run(annexb, check=True, timeout=60)  # noqa: S603
    return str(target)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class CameraSimulator:
    """Starts the RTSP server process; ``urls`` are its mounts; ``stop`` ends that one process."""

    def __init__(self, *, count: int, source: str, port: int = 0, host: str = "127.0.0.1") -> None:
        self.count, self.source, self.host = count, source, host
        self.port = port or free_port(host)
        self.process: subprocess.Popen[str] | None = None

    @property
    def urls(self) -> list[str]:
        return [f"rtsp://{self.host}:{self.port}/cam{i}" for i in range(self.count)]

    def start(self, timeout: float = 15.0) -> CameraSimulator:
        args = [SYSTEM_PYTHON, "-c", SERVER, self.host, str(self.port), str(self.count), self.source]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        line = self.process.stdout.readline()
        if line.strip() != "ready" or time.monotonic() > deadline:
            error = self.process.stderr.read() if self.process.stderr else ""
            self.stop()
            raise RuntimeError(f"RTSP simulator did not start: {line.strip()} {error.strip()[-500:]}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> CameraSimulator:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def available() -> bool:
    """Whether this machine can run the simulator (system python with gi and the RTSP server)."""
    if not Path(SYSTEM_PYTHON).is_file():
        return False
    probe = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
    result = subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=30, check=False)  # noqa: S603
    return result.returncode == 0


def main_loop(simulator: CameraSimulator) -> None:
    try:
        while simulator.process is not None and simulator.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        sys.stderr.write("stopping\n")
    finally:
        simulator.stop()
