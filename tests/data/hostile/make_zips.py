"""Writes the hostile ZIP fixtures (run from the repository root): an encrypted member, a
Deflate64 member (flags patched into a stored ZIP) and a 50 MB zip bomb."""

import io
import struct
import zipfile
from pathlib import Path

FOLDER = Path("tests/data/hostile")
CSV = (b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
       b"Ana,Souza,https://www.linkedin.com/in/ana,,Globex,VP Marketing,01 Jan 2024\n")


def patched(flag: int = 0, method: int | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("Connections.csv", CSV)
    data = bytearray(buf.getvalue())
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = data.find(signature)
        old = struct.unpack_from("<H", data, at + flag_at)[0]
        struct.pack_into("<H", data, at + flag_at, old | flag)
        if method is not None:
            struct.pack_into("<H", data, at + method_at, method)
    return bytes(data)


(FOLDER / "encrypted.zip").write_bytes(patched(flag=1))
(FOLDER / "deflate64.zip").write_bytes(patched(method=9))
bomb = io.BytesIO()
with (zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
      archive.open("Connections.csv", "w", force_zip64=True) as handle):
    handle.write(CSV)
    for _ in range(50):
        handle.write(b"\0" * (1 << 20))
(FOLDER / "bomb.zip").write_bytes(bomb.getvalue())
