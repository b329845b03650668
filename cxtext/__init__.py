"""cxtext: the Vietnamese text layer of cxkit (social text, call transcripts, library users).

One verb per task at the package root:

- :func:`normalize` — NFC, one tone-mark convention, social-text clean-up (teencode, emoji,
  repeated letters, URLs and mentions); :func:`strip_diacritics`; :class:`Normalizer` for
  your own lexicons.
- :func:`word_tokenize` — Vietnamese word segmentation (underthesea, offline).
- :func:`mask_pii` / :func:`find_pii` — phone numbers, e-mails, ID and account numbers;
  :func:`mask_pii_segments` masks transcript segments jointly.
- :func:`brands` — brand and competitor mentions from a YAML lexicon (:class:`BrandLexicon`).
- :func:`brand_sentiment` / :func:`brand_sentiment_batch` — the sentiment towards each brand a
  text names (clauses about that brand; a comparison gives each brand its own label).
- :func:`find_near_duplicates` / :class:`NearDuplicateIndex` — MinHash-LSH near-duplicates.

Batch scoring of files into VoC records is :func:`cxtext.batch.score_file` (``cx text score``).

Errors derive from :class:`CxTextError` (see :mod:`cxtext.errors`).
"""

from .aspects import AspectSentiment, aspects
from .brands import BrandLexicon, BrandSpan, brands
from .dedupe import NearDuplicateIndex, find_near_duplicates
from .errors import CxTextError, LexiconError, ModelError, TextInputError
from .normalize import Normalizer, normalize, strip_diacritics
from .pii import PiiSpan, find_pii, mask_pii, mask_pii_segments
from .sentiment import Sentiment, sentiment, sentiment_batch
from .targeted import brand_sentiment, brand_sentiment_batch
from .tokenize import word_tokenize

__all__ = [
    "AspectSentiment",
    "BrandLexicon",
    "BrandSpan",
    "CxTextError",
    "LexiconError",
    "ModelError",
    "NearDuplicateIndex",
    "Normalizer",
    "PiiSpan",
    "Sentiment",
    "TextInputError",
    "aspects",
    "brand_sentiment",
    "brand_sentiment_batch",
    "brands",
    "find_near_duplicates",
    "find_pii",
    "mask_pii",
    "mask_pii_segments",
    "normalize",
    "sentiment",
    "sentiment_batch",
    "strip_diacritics",
    "word_tokenize",
]
