"""Makes the CMYK/YCCK JPEG fixtures and Pillow's RGB bytes for them (see README.md).

    python3 generate.py        # in this directory; needs Pillow and a C compiler with libjpeg

Each NAME.jpg gets NAME.rgb: the raw bytes of Image.open(NAME.jpg).convert("RGB").tobytes(),
(height, width, 3) row-major. Deterministic: rerunning rewrites identical files (for the same
Pillow and libjpeg).
"""
import os
import subprocess
import tempfile

import PIL
from PIL import Image, features


def cmyk_samples(width, height):
    """A CMYK test pattern: smooth ramps, a hard edge and every K level region, so that
    upsampling, the DCT and the K term of cmyk2rgb all matter."""
    data = bytearray()
    for y in range(height):
        for x in range(width):
            c = (x * 255) // max(width - 1, 1)
            m = (y * 255) // max(height - 1, 1)
            yel = 230 if (x + 2 * y) % 7 < 3 else 20
            k = ((x * 37 + y * 53) % 256) if x >= width // 2 else (x * y * 9) % 120
            data += bytes((c, m, yel, k))
    return Image.frombytes("CMYK", (width, height), bytes(data))


def write_expected(name):
    with Image.open(name + ".jpg") as im:
        assert im.mode == "CMYK", (name, im.mode)
        rgb = im.convert("RGB")
        with open(name + ".rgb", "wb") as f:
            f.write(rgb.tobytes())
        print(f"{name}.jpg  {im.size[0]}x{im.size[1]}  adobe={im.info.get('adobe')} "
              f"transform={im.info.get('adobe_transform')}  {os.path.getsize(name + '.jpg')} bytes")


def without_app14(data):
    """The JPEG stream with its Adobe APP14 segment removed (libjpeg then assumes CMYK)."""
    i = data.index(b"\xff\xee")
    length = int.from_bytes(data[i + 2:i + 4], "big")
    return data[:i] + data[i + 2 + length:]


def main():
    print(f"Pillow {PIL.__version__}, libjpeg-turbo {features.version('libjpeg_turbo')}")
    # Adobe CMYK as Pillow writes it (inverted samples, APP14 transform 0), 4:4:4.
    cmyk_samples(11, 7).save("cmyk.jpg", "JPEG", quality=90)
    # Progressive, and Pillow's subsampling=2 on four layers: C 2x2, M, Y and K 1x1.
    cmyk_samples(13, 9).save("cmyk-progressive.jpg", "JPEG", quality=85, progressive=True,
                             subsampling=2)
    # The same CMYK stream without an Adobe marker: Pillow still reads it as inverted.
    with open("cmyk.jpg", "rb") as f:
        plain = without_app14(f.read())
    with open("cmyk-no-adobe.jpg", "wb") as f:
        f.write(plain)
    # YCCK (APP14 transform 2) written by libjpeg from Adobe-inverted CMYK samples.
    with tempfile.TemporaryDirectory() as tmp:
        writer = os.path.join(tmp, "ycck_writer")
        subprocess.run(["cc", "-O2", "-o", writer, "ycck_writer.c", "-ljpeg"], check=True)
        for name, (w, h), quality, progressive in [("ycck", (15, 10), 90, 0),
                                                     ("ycck-progressive", (9, 13), 80, 1)]:
            inverted = cmyk_samples(w, h).tobytes("raw", "CMYK;I")
            with open(name + ".jpg", "wb") as out:
                subprocess.run([writer, str(w), str(h), str(quality), str(progressive)],
                               input=inverted, stdout=out, check=True)
    for name in ["cmyk", "cmyk-progressive", "cmyk-no-adobe", "ycck", "ycck-progressive"]:
        write_expected(name)


if __name__ == "__main__":
    main()
