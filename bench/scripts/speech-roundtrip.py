#!/usr/bin/env python3
"""Text -> tts -> stt through a running node's HTTP API; word error rate per tts x stt provider pair.

Usage: bench/scripts/speech-roundtrip.py http://127.0.0.1:8080 [tts-provider,...] [stt-provider,...]
(default: each usable provider of each capability, as /caps lists them). Same 25 sentences as
bench/src/main/java/dev/capfabric/bench/speech/SttAccuracy.java. Standard library only.
"""
import json
import sys
import time
import urllib.request

SENTENCES = [
    "the quick brown fox jumped over the lazy dog", "please call me when you get home tonight",
    "the weather is nice and sunny today", "we need to buy milk bread and eggs",
    "she opened the window to let in some fresh air", "my favorite color is blue",
    "the train leaves the station at noon", "he plays the guitar every evening",
    "can you help me find my keys", "the children are playing in the park",
    "turn off the lights before you leave", "i would like a cup of coffee please",
    "the meeting has been moved to next week", "they walked along the beach at sunset",
    "this book is about the history of science", "the doctor said i should get more sleep",
    "open the door and close the window", "our team won the game last night",
    "the cat is sleeping on the sofa", "please send me the report by friday",
    "the restaurant serves good food", "it is going to rain this afternoon",
    "we are flying to london in the summer", "the computer needs a new battery",
    "water boils at one hundred degrees",
]


def post(url, body, content_type):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read(), response.headers


def words(text):
    return "".join(c if c.isalnum() or c.isspace() else " " for c in text.lower()).split()


def edits(reference, hypothesis):
    row = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hypothesis, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1]


def main():
    node = sys.argv[1].rstrip("/")
    caps = json.load(urllib.request.urlopen(node + "/caps"))
    tts = sys.argv[2].split(",") if len(sys.argv) > 2 else caps["capabilities"]["tts"]["providers"]
    stt = sys.argv[3].split(",") if len(sys.argv) > 3 else caps["capabilities"]["stt"]["providers"]
    print("| tts provider | stt provider | WER | word errors / words | tts s | stt s |")
    print("|---|---|---:|---:|---:|---:|")
    for t in tts:
        audio = []
        start = time.monotonic()
        for sentence in SENTENCES:
            wav, _ = post(f"{node}/v1/capability/tts?provider={t}", json.dumps({"text": sentence}).encode(), "application/json")
            audio.append(wav)
        tts_seconds = time.monotonic() - start
        for s in stt:
            errors = total = 0
            start = time.monotonic()
            for sentence, wav in zip(SENTENCES, audio):
                body, headers = post(f"{node}/v1/capability/stt?provider={s}", wav, "audio/wav")
                reference = words(sentence)
                errors += edits(reference, words(json.loads(body)["text"]))
                total += len(reference)
            print(f"| {t} | {s} | {100.0 * errors / total:.1f} % | {errors} / {total} | {tts_seconds:.1f} | {time.monotonic() - start:.1f} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
