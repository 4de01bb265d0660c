"""A GA/T 1400 notification receiver on 127.0.0.1 for tests: records what it is sent, per path."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson


class Receiver:
    """Listens on ``port`` (0 = any free one); ``up = False`` makes it answer 503 and keep nothing."""

    def __init__(self, port: int = 0) -> None:
        self.up, self.bodies = True, list[dict[str, object]]()
        self.paths: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.up:
                    with receiver.lock:
                        receiver.bodies.append(orjson.loads(data))
                        receiver.paths.append(self.path)
                self.send_response(200 if receiver.up else 503)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def plates(self) -> list[str]:
        return [o["PlateNo"] for o in self.objects()]

    def objects(self, path: str | None = None) -> list[dict[str, object]]:
        """Motor vehicles received (at ``path``, or anywhere), in order of arrival."""
        out: list[dict[str, object]] = []
        with self.lock:
            received = [b for b, p in zip(self.bodies, self.paths, strict=True) if path in (None, p)]
        for body in received:
            for note in body["SubscribeNotificationListObject"]["SubscribeNotificationObject"]:  # type: ignore[index]
                out += note["MotorVehicleObjectList"]["MotorVehicleObject"]
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
