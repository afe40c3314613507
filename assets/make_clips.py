"""Make the demo's tiny playable clips: assets/demo/clips/clip-N.mp4 (needs ffmpeg).

Each clip is a few seconds of a generated test pattern with a tone, small enough that all
of them together stay a few hundred KB. Demo items play clip (number % CLIPS); the clips
are generated, deterministic and made only by this script.

    python assets/make_clips.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CLIPS = 6
SECONDS = 8
SIZE = "180x320"  # portrait, like a short video
# One generated source per clip: varied pictures with ffmpeg's own test sources.
PICTURES = ["testsrc2", "smptebars", "rgbtestsrc", "mandelbrot", "testsrc",
            "cellauto=rule=110"]
TONES = [440, 523, 587, 659, 698, 784]  # Hz: A4, C5, D5, E5, F5, G5


def make_clip(number: int, target: Path) -> None:
    picture = PICTURES[number]
    source = f"{picture}=size={SIZE}:rate=12" if "=" not in picture else \
        f"{picture}:size={SIZE}:rate=12"
    arguments = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", source,
        "-f", "lavfi", "-i", f"sine=frequency={TONES[number]}:sample_rate=22050",
        "-t", str(SECONDS), "-vf", f"scale={SIZE},format=yuv420p",
        "-c:v", "libx264", "-preset", "veryslow", "-crf", "36", "-tune", "animation",
        "-g", "12",  # a keyframe a second, so a seek lands where it was aimed
        "-c:a", "aac", "-b:a", "24k", "-ac", "1",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
        "-flags:a", "+bitexact", "-movflags", "+faststart",
        str(target),
    ]
    subprocess.run(arguments, check=True)


def main() -> int:
    if shutil.which("ffmpeg") is None:
        print("make_clips: ffmpeg is needed (Debian: apt install ffmpeg)", file=sys.stderr)
        return 2
    folder = Path(__file__).resolve().parent / "demo" / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(CLIPS):
        make_clip(number, folder / f"clip-{number}.mp4")
    total = sum(path.stat().st_size for path in folder.glob("clip-*.mp4"))
    print(f"{CLIPS} clips, {total / 1024:.0f} KB in all, in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
