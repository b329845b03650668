"""Write ``social_eval_variants.jsonl``: context variants of every post of ``social_eval.jsonl``.

Each variant adds context that must not change any brand's label (see ``SOCIAL_EVAL.md``):

- ``prefix`` (3 per post): a place/time prefix, ``"Ở <tỉnh>, <buổi>: <post>"`` and two other
  common forms (``"<Tỉnh>, <buổi>: "``, ``"Tại <tỉnh> <buổi>, "``);
- ``greeting`` (1 per post): a forum greeting before the post;
- ``emoji`` (1 per post): a run of 3-6 emoji of one neutral kind after the post;
- ``quote`` (1 per post): a quoted line without brands or opinion before the post.

The choice of province, time and phrase is seeded by the post id, so the file is reproducible:
``python tests/data/make_social_variants.py`` rewrites it byte for byte. Variants inherit the
labels of their post (``of``). Never used for training or tuning.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROVINCES = (
    "Hà Nội", "TP.HCM", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Nghệ An", "Thanh Hóa", "Quảng Ninh",
    "Bắc Ninh", "Thái Bình", "Nam Định", "Huế", "Quảng Nam", "Bình Định", "Khánh Hòa",
    "Đắk Lắk", "Gia Lai", "Lâm Đồng", "Bình Dương", "Đồng Nai", "Long An", "An Giang",
    "Kiên Giang", "Cà Mau", "Sóc Trăng", "Hà Giang", "Lào Cai", "Sơn La", "Thái Nguyên",
    "Phú Thọ", "Hà Tĩnh", "Quảng Bình", "Bến Tre", "Vĩnh Long", "Tây Ninh", "Bình Thuận",
)  # fmt: skip
TIMES = (
    "sáng nay", "trưa nay", "chiều nay", "tối nay", "đêm qua", "sáng qua", "chiều qua",
    "tối qua", "hôm qua", "sáng thứ hai", "tối chủ nhật", "cuối tuần này", "đầu tuần",
    "8h sáng nay", "10h tối qua", "lúc 7h", "giờ cao điểm tối", "mấy hôm nay",
)  # fmt: skip
GREETINGS = (
    "Chào cả nhà,", "Chào mọi người,", "Xin chào các bác,", "Hello ae,", "Mn ơi,",
    "Chào ad và mọi người,", "Dạ em chào anh chị,", "Hi cả nhà,", "Các bác ơi,",
)  # fmt: skip
EMOJI = ("📱", "📶", "🏠", "⏰", "📍", "🙂", "🤔", "👉", "📝")
QUOTES = (
    'Trích dẫn: "mọi người ở khu này dùng mạng gì vậy?"',
    '> bác ở quận nào thế?',
    'Trích: "hôm nay có ai đi hội chợ không?"',
    'Quote: "ai biết thì chia sẻ với ạ"',
    '> thớt hỏi cái này lâu rồi',
)  # fmt: skip


def variants(post: dict) -> list[dict]:
    seed = int.from_bytes(hashlib.sha256(post["id"].encode()).digest()[:8], "big")
    rng = random.Random(seed)
    text = post["text"]
    out = []
    forms = ("Ở {p}, {t}: {x}", "{p}, {t}: {x}", "Tại {p} {t}, {x}")
    for i, form in enumerate(forms):
        prefixed = form.format(p=rng.choice(PROVINCES), t=rng.choice(TIMES), x=text)
        out.append({"kind": "prefix", "text": prefixed, "n": i})
    out.append({"kind": "greeting", "text": f"{rng.choice(GREETINGS)} {text}", "n": 0})
    out.append({"kind": "emoji", "text": f"{text} {rng.choice(EMOJI) * rng.randint(3, 6)}", "n": 0})
    out.append({"kind": "quote", "text": f"{rng.choice(QUOTES)}\n{text}", "n": 0})
    return [
        {"id": f"{post['id']}-{v['kind']}{v['n']}", "of": post["id"], "kind": v["kind"],
         "text": v["text"]}
        for v in out
    ]  # fmt: skip


def main() -> None:
    posts = [json.loads(line) for line in (HERE / "social_eval.jsonl").open(encoding="utf-8")]
    with (HERE / "social_eval_variants.jsonl").open("w", encoding="utf-8") as out:
        for post in posts:
            for v in variants(post):
                out.write(json.dumps(v, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
