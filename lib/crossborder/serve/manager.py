"""Voilà's kernel manager with a cap on the number of kernels (each page load starts one of ~300 MB).

Given to Voilà as ``--VoilaConfiguration.multi_kernel_manager_class=crossborder.serve.manager.CappedKernelManager``;
idle kernels are culled by jupyter_server's own culler (``--MappingKernelManager.cull_idle_timeout`` ...).
"""

from __future__ import annotations

import re

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Integer

FULL_MESSAGE = ("The workshop server is full: {n} apps are open, the most it runs at once. Close a tab you no "
                "longer use, or wait a few minutes (idle apps are closed), then reload this page. / "
                "工作坊伺服器已滿（同時最多 {n} 個應用）：請關閉不用的分頁，或稍候幾分鐘（閒置的應用會被關閉）後重新載入本頁。")


_TOKEN = re.compile(r"(^|[?&])token=[^&\s]*")


class CappedKernelManager(AsyncMappingKernelManager):
    max_kernels = Integer(20, config=True, help="Most kernels running at once; a page load beyond gets a 503 page.")

    async def start_kernel(self, *args, **kwargs):  # type: ignore[override]
        if kwargs.get("kernel_id") is None and len(self.list_kernel_ids()) >= self.max_kernels:
            self.log.warning("kernel cap reached (%d): refusing a new kernel", self.max_kernels)
            raise web.HTTPError(503, FULL_MESSAGE.format(n=self.max_kernels), reason="Workshop server full")
        env = kwargs.get("env")
        if env:  # Voilà hands the request's query string, token included, to the kernel's environment
            kwargs["env"] = {k: _TOKEN.sub(r"\1token=hidden", v) if isinstance(v, str) else v for k, v in env.items()}
        return await super().start_kernel(*args, **kwargs)
