"""Text analysis for the guide search (智能导办): normalisation, filler words, character bigrams, pinyin.

Pure functions over strings, used by :mod:`casework.guide_rank` to index catalog fields and to read what a
resident typed::

    normalize("我要办 ＤＩＢＡＯ！")            == "我要办 dibao"
    han_runs("开个小超市2个")                 == ["开个小超市", "个"]  (digits and Latin split runs)
    bigrams("小超市")                         == ["小超", "超市"]
    segment_pinyin("shanghukou")              == ["shang", "hu", "kou"]

Why bigrams and not a dictionary segmenter (jieba): residents run words together and add words of their own
("开个小超市", "孩子上户口要带啥"); overlapping character pairs match the catalog's names and keywords
wherever they overlap, need no 350,000-word dictionary to load (jieba takes about a second and writes a
cache file on first use) and no per-catalog user dictionary kept in a process-wide tokenizer. The one place
that needs whole words — telling filler words (我要 / 怎么 / 手续) from the words around them — uses the
catalog's own vocabulary (names, keywords, synonyms) as its dictionary: :func:`strip_fillers`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from pypinyin import lazy_pinyin
from pypinyin.seg.simpleseg import seg as _pinyin_words

__all__ = [
    "FILLER_WORDS",
    "ascii_tokens",
    "bigrams",
    "han_runs",
    "is_han",
    "normalize",
    "pinyin_syllables",
    "segment_pinyin",
    "strip_fillers",
]

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ASCII = re.compile(r"[a-z0-9]+")
_ALNUM = re.compile(r"[a-z0-9]+")
_NOT_WORD = re.compile(r"[^\w\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

#: Words residents wrap around what they need ("我要办…", "…需要什么材料", "…怎么办理"); dropped before
#: matching unless they are part of a catalog word (see :func:`strip_fillers`). Longest first.
FILLER_WORDS: tuple[str, ...] = tuple(
    sorted(
        {
            "需要哪些材料",
            "需要什么材料",
            "要什么材料",
            "要带什么",
            "带什么",
            "需要什么",
            "要办什么",
            "办什么",
            "要办哪些",
            "哪些手续",
            "什么手续",
            "要什么",
            "手续",
            "怎么办理",
            "如何办理",
            "怎么办",
            "怎么弄",
            "怎么",
            "如何",
            "怎样",
            "在哪里办",
            "在哪办",
            "在哪里",
            "在哪儿",
            "在哪",
            "去哪里",
            "去哪",
            "哪里",
            "哪儿",
            "哪些",
            "哪个",
            "什么",
            "啥",
            "需要",
            "要办",
            "办理",
            "可以",
            "能不能",
            "能否",
            "是不是",
            "有没有",
            "请问",
            "你好",
            "我想",
            "我要",
            "想要",
            "我们",
            "我家",
            "咱们",
            "咱家",
            "一下",
            "多久",
            "多长时间",
            "多少钱",
            "条件",
            "材料",
            "流程",
            "证件",
            "吗",
            "呢",
            "吧",
            "啊",
            "呀",
            "的",
            "了",
            "我",
            "要",
            "想",
            "去",
            "给",
            "帮",
            "个",
            "该",
        },
        key=lambda w: (-len(w), w),
    )
)
_MAX_FILLER = max(len(w) for w in FILLER_WORDS)
_FILLERS = frozenset(FILLER_WORDS)

# Toneless pinyin syllables (pypinyin's readings of U+4E00–U+9FA5, interjections hm/m/n left out): what
# typed pinyin is split into.
_SYLLABLE_TEXT = (
    "a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can cang cao "
    "ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui "
    "chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de den deng di dian diao die ding diu "
    "dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fiao fo fou fu ga gai gan gang "
    "gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng "
    "hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan "
    "jue jun ka kai kan kang kao ke ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang "
    "lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo lv lve ma mai "
    "man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen "
    "neng ni nian niang niao nie nin ning niu nong nou nu nuan nun nuo nv nve o ou pa pai pan pang pao "
    "pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu "
    "quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao se "
    "sen seng sha shai shan shang shao she shen sheng shi shou shu shua shuai shuan shuang shui shun "
    "shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu "
    "tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu "
    "xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze "
    "zei zen zeng zha zhai zhan zhang zhao zhe zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang "
    "zhui zhun zhuo zi zong zou zu zuan zui zun zuo"
)
_SYLLABLES = frozenset(_SYLLABLE_TEXT.split())
_MAX_SYLLABLE = max(len(s) for s in _SYLLABLES)


def normalize(text: str) -> str:
    """NFKC (full-width letters, digits and spaces to ASCII), lower case, ü → v, punctuation to spaces,
    single spaces."""
    folded = unicodedata.normalize("NFKC", text).lower().replace("ü", "v")
    return " ".join(_NOT_WORD.sub(" ", folded).replace("_", " ").split())


def is_han(text: str) -> bool:
    return bool(text) and _HAN.fullmatch(text) is not None


def han_runs(text: str) -> list[str]:
    """The runs of Chinese characters in ``text``, in order."""
    return _HAN.findall(text)


def ascii_tokens(text: str) -> list[str]:
    """The runs of Latin letters and digits in normalised ``text`` (words of an English or pinyin query)."""
    return _ASCII.findall(text)


def bigrams(run: str) -> list[str]:
    """Overlapping character pairs of a run; a one-character run is its own term."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def strip_fillers(run: str, is_word: Callable[[str], bool], max_word: int) -> str:
    """``run`` without filler words, scanning left to right: at each position the longest catalog word
    (``is_word``, up to ``max_word`` characters) is kept whole, else a filler word starting there is dropped,
    else the character is kept. So "开个小超市要办什么" → "开小超市", and the 个 of 个体户 stays."""
    out: list[str] = []
    i, n = 0, len(run)
    while i < n:
        word = next(
            (run[i : i + k] for k in range(min(max_word, n - i), 1, -1) if is_word(run[i : i + k])), None
        )
        if word is not None:
            out.append(word)
            i += len(word)
            continue
        filler = next(
            (run[i : i + k] for k in range(min(_MAX_FILLER, n - i), 0, -1) if run[i : i + k] in _FILLERS),
            None,
        )
        if filler is not None:
            i += len(filler)
            continue
        out.append(run[i])
        i += 1
    return "".join(out)


def pinyin_syllables(text: str) -> list[str]:
    """Lower-case toneless pinyin syllables of ``text``; runs of Latin letters/digits count as one
    syllable each, punctuation is dropped.

    ``pinyin_syllables("高龄津贴") == ["gao", "ling", "jin", "tie"]``.

    The text is cut into words the way pypinyin cuts it (its phrase dictionary decides 多音字 by word), and
    each word's reading is remembered process-wide: catalog names repeat words (申请, 登记, 补贴), so an
    index of 10,000 names converts a few hundred words instead of 10,000 texts. Same result as
    ``lazy_pinyin`` on the whole text."""
    out: list[str] = []
    for word in _pinyin_words(text):
        found = _WORD_PINYIN.get(word)
        if found is None:
            if len(_WORD_PINYIN) >= _WORD_PINYIN_CAP:
                _WORD_PINYIN.clear()
            found = _WORD_PINYIN[word] = tuple(
                s for chunk in lazy_pinyin(word) for s in _ALNUM.findall(str(chunk).lower().replace("ü", "v"))
            )
        out.extend(found)
    return out


_WORD_PINYIN: dict[str, tuple[str, ...]] = {}
_WORD_PINYIN_CAP = 100_000


def segment_pinyin(token: str) -> list[str] | None:
    """``token`` split into the fewest pinyin syllables ("shanghukou" → shang hu kou), or None when it is
    not pinyin (an English word, "birth"). Ambiguous strings take the fewest syllables ("xian" is one)."""
    n = len(token)
    if n == 0 or n > 80 or not token.isalpha():
        return None
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        prefix = best[i]
        if prefix is None:
            continue
        for k in range(1, min(_MAX_SYLLABLE, n - i) + 1):
            syl = token[i : i + k]
            if syl in _SYLLABLES:
                current = best[i + k]
                if current is None or len(prefix) + 1 < len(current):
                    best[i + k] = [*prefix, syl]
    return best[n]


def unique(values: Iterable[str]) -> list[str]:
    """``values`` without repeats, first-seen order."""
    return list(dict.fromkeys(values))
