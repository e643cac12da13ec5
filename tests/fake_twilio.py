"""A Twilio Messages API on loopback that records what would have been texted. Real HTTP, no mocks.

`hold(number, after=n)` accepts n more texts to that number, then parks the next ones unanswered (a
sender killed meanwhile never hears back); `release(number)` answers the parked ones 503 without
recording them: the message was never accepted, as when the sender died before Twilio took it."""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field

from aiohttp import web

from tests.stack import free_port

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-twilio-auth-token"
FROM = "+15550009999"


@dataclass
class FakeTwilio:
    port: int = field(default_factory=free_port)
    sent: list[dict] = field(default_factory=list)
    refuse: bool = False  # answer 503, as Twilio does in an outage
    held: list[dict] = field(default_factory=list)  # texts parked by `hold`, never accepted
    _holds: dict[str, int] = field(default_factory=dict)  # number -> texts it accepts before parking

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeTwilio":
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), daemon=True).start()
        ready.wait(10)
        return self

    def _serve(self, ready: threading.Event) -> None:
        async def messages(request: web.Request) -> web.Response:
            form = await request.post()
            if self.refuse:
                return web.json_response({"code": 20500}, status=503)
            if form["To"] in self._holds and len(self.to(form["To"])) >= self._holds[form["To"]]:
                parked = {"to": form["To"], "body": form["Body"]}
                self.held.append(parked)
                while form["To"] in self._holds:
                    await asyncio.sleep(0.05)
                return web.json_response({"code": 20500}, status=503)
            self.sent.append({"to": form["To"], "from": form["From"], "body": form["Body"],
                              "auth": request.headers.get("Authorization", ""), "path": request.path})
            return web.json_response({"sid": f"SM{len(self.sent):032d}"}, status=201)

        async def main() -> None:
            app = web.Application()
            app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", messages)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", self.port).start()
            ready.set()
            await asyncio.Event().wait()

        asyncio.run(main())

    def hold(self, number: str, after: int = 0) -> None:
        self._holds[number] = len(self.to(number)) + after

    def release(self, number: str) -> None:
        self._holds.pop(number, None)

    def wait_held(self, number: str, timeout: float = 90) -> list[str]:
        """The bodies parked for `number`, once there is one."""
        deadline = time.time() + timeout
        while not [h for h in self.held if h["to"] == number] and time.time() < deadline:
            time.sleep(0.05)
        parked = [h["body"] for h in self.held if h["to"] == number]
        assert parked, f"nothing was parked for {number}"
        return parked

    def to(self, number: str) -> list[str]:
        return [m["body"] for m in self.sent if m["to"] == number]

    def wait_for(self, number: str, count: int, timeout: float = 90) -> list[str]:
        """The bodies texted to `number`, once there are at least `count` of them."""
        deadline = time.time() + timeout
        while len(self.to(number)) < count and time.time() < deadline:
            time.sleep(0.1)
        bodies = self.to(number)
        assert len(bodies) >= count, f"expected {count} texts to {number}, got {bodies}"
        return bodies
