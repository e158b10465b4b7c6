"""Craft hostile workbook files from a valid one: damaged, disguised, encrypted, huge, malicious.

Every ``make_*`` function takes the path of a valid workbook (``src``) and the path to write
(``dest``), writes a real file and returns ``dest``. The hostile-file tests and the reader fuzz
test use them; so can bench scripts, with the repository root on ``sys.path``:

    from tests.hostile import CRAFTERS
    for name, craft in CRAFTERS.items():
        craft(Path("sample.xlsx"), Path("out") / f"{name}.xlsx")

Nothing here relies on the reader under test: parts are located with the standard library in our
own, valid workbook. ``make_encrypted`` needs msoffcrypto-tool; ``make_xls`` needs LibreOffice.
"""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import struct
import subprocess
import tempfile
import warnings
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from nianbao.workbook_templates.xlsx_reader import MAX_ENTRIES, MAX_FILE_BYTES, MAX_PART_BYTES

Members = list[tuple[str, bytes]]

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_EXTERNAL_LINK = f"{NS_REL}/externalLink"
REL_EXTERNAL_PATH = f"{NS_REL}/externalLinkPath"
REL_WORKSHEET = f"{NS_REL}/worksheet"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
CT_SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_EXTERNAL_LINK = "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"
CT_VBA = "application/vnd.ms-office.vbaProject"

WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
SHARED_STRINGS = "xl/sharedStrings.xml"
CUSTOM_PROPS = "docProps/custom.xml"
CONTENT_TYPES = "[Content_Types].xml"

_LOCAL_HEADER = b"PK\x03\x04"
_CENTRAL_HEADER = b"PK\x01\x02"
_END_OF_CENTRAL = b"PK\x05\x06"
_CHUNK = 1 << 20

# -- zip plumbing ---------------------------------------------------------------------------------


def read_members(src: Path) -> Members:
    """Return the (name, bytes) of every member of a zip, in archive order."""
    with zipfile.ZipFile(src) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def write_zip(dest: Path, members: Iterable[tuple[str, bytes]]) -> Path:
    """Write members as a deflated zip; duplicate names are written as given (no warning)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name: ..."
        with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members:
                zf.writestr(_info(name), data)
    return dest


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def rezip(
    src: Path,
    dest: Path,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
    drop: Iterable[str] = (),
    streams: dict[str, Callable[[], Iterator[bytes]]] | None = None,
) -> Path:
    """Copy ``src`` to ``dest`` with members replaced, added, dropped, or streamed.

    ``streams`` maps a member name to a function yielding its content in chunks, for members too
    big to hold in memory comfortably (they replace a member of that name or are appended).
    """
    replace, add, streams = replace or {}, add or {}, streams or {}
    dropped = set(drop)
    members = [
        (name, replace.get(name, data))
        for name, data in read_members(src)
        if name not in dropped and name not in streams
    ]
    members.extend(add.items())
    write_zip(dest, members)
    if streams:
        with zipfile.ZipFile(dest, "a", zipfile.ZIP_DEFLATED) as zf:
            for name, chunks in streams.items():
                with zf.open(_info(name), "w", force_zip64=False) as out:
                    for chunk in chunks():
                        out.write(chunk)
    return dest


def member_text(src: Path, name: str) -> str:
    with zipfile.ZipFile(src) as zf:
        return zf.read(name).decode("utf-8")


def sheet_part(src: Path, sheet: str) -> str:
    """Return the zip member holding a sheet of our workbook, e.g. "xl/worksheets/sheet3.xml"."""
    workbook = ET.fromstring(member_text(src, WORKBOOK_PART))
    rels = ET.fromstring(member_text(src, WORKBOOK_RELS))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    for elem in workbook.iter(f"{{{NS_MAIN}}}sheet"):
        if elem.get("name") == sheet:
            target = targets[elem.get(f"{{{NS_REL}}}id")]
            return posixpath.normpath(posixpath.join("xl", target))
    raise KeyError(sheet)


def member_data_span(data: bytes, name: str) -> tuple[int, int]:
    """Return (offset, length) of a member's compressed bytes inside a zip file's bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    offset = info.header_offset
    if data[offset : offset + 4] != _LOCAL_HEADER:
        raise ValueError(f"no local header for {name}")
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    return offset + 30 + name_len + extra_len, info.compress_size


def _central_entries(data: bytes) -> Iterator[tuple[int, str]]:
    """Yield (offset, name) of each central directory entry of a zip file's bytes."""
    end = data.rfind(_END_OF_CENTRAL)
    count, _size, start = struct.unpack_from("<HII", data, end + 10)
    pos = start
    for _ in range(count):
        if data[pos : pos + 4] != _CENTRAL_HEADER:
            raise ValueError("central directory not found")
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        yield pos, data[pos + 46 : pos + 46 + name_len].decode("utf-8", "replace")
        pos += 46 + name_len + extra_len + comment_len


def patch_member_header(
    src: Path,
    dest: Path,
    name: str,
    *,
    file_size: int | None = None,
    crc: int | None = None,
    flag_bits: int | None = None,
) -> Path:
    """Copy a zip, rewriting a member's declared size, CRC or flags in both of its headers.

    This is how a zip bomb lies: the headers promise a small part, the deflate stream holds a huge
    one.
    """
    data = bytearray(src.read_bytes())
    local = None
    for pos, entry in _central_entries(bytes(data)):
        if entry != name:
            continue
        (local,) = struct.unpack_from("<I", data, pos + 42)
        if flag_bits is not None:
            struct.pack_into("<H", data, pos + 8, flag_bits)
        if crc is not None:
            struct.pack_into("<I", data, pos + 16, crc)
        if file_size is not None:
            struct.pack_into("<I", data, pos + 24, file_size)
    if local is None:
        raise KeyError(name)
    if flag_bits is not None:
        struct.pack_into("<H", data, local + 6, flag_bits)
    if crc is not None:
        struct.pack_into("<I", data, local + 14, crc)
    if file_size is not None:
        struct.pack_into("<I", data, local + 22, file_size)
    dest.write_bytes(bytes(data))
    return dest


# -- damaged files --------------------------------------------------------------------------------


def make_truncated(src: Path, dest: Path, size: int) -> Path:
    """Cut the file after ``size`` bytes (a negative size counts from the end)."""
    data = src.read_bytes()
    dest.write_bytes(data[:size])
    return dest


def make_cut(src: Path, dest: Path, start: int, length: int) -> Path:
    """Cut ``length`` bytes out of the file at ``start`` (a download that lost a block)."""
    data = src.read_bytes()
    dest.write_bytes(data[:start] + data[start + length :])
    return dest


def make_corrupt_member(src: Path, dest: Path, member: str, flips: int = 16) -> Path:
    """Flip bytes in the middle of one member's compressed data (zlib or CRC errors on read)."""
    data = bytearray(src.read_bytes())
    offset, length = member_data_span(bytes(data), member)
    start = offset + length // 3
    for i in range(min(flips, max(1, length // 3))):
        data[start + i] ^= 0xA5
    dest.write_bytes(bytes(data))
    return dest


def make_corrupt_central_directory(src: Path, dest: Path) -> Path:
    """Damage every central directory signature, as a failed download sometimes does."""
    data = src.read_bytes()
    dest.write_bytes(data.replace(_CENTRAL_HEADER, b"PK\x00\x00"))
    return dest


def make_renamed_local_header(src: Path, dest: Path, member: str = WORKBOOK_PART) -> Path:
    """Make a local header's file name disagree with the central directory's."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        local = zf.getinfo(member).header_offset
    data[local + 30] = ord("Y")  # the first letter of the name stored in the local header
    dest.write_bytes(bytes(data))
    return dest


def make_zip_encrypted_flag(src: Path, dest: Path, member: str = WORKBOOK_PART) -> Path:
    """Set the traditional-PKWARE "encrypted" flag on a member (what a zip password does)."""
    return patch_member_header(src, dest, member, flag_bits=0x1)


def make_empty(src: Path, dest: Path) -> Path:
    dest.write_bytes(b"")
    return dest


def make_empty_zip(src: Path, dest: Path) -> Path:
    return write_zip(dest, [])


def make_docx(src: Path, dest: Path) -> Path:
    """A Word document (a zip, but no workbook inside) saved under a workbook name."""
    rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{NS_REL}/officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
        'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>年报</w:t>'
        "</w:r></w:p></w:body></w:document>"
    )
    return write_zip(
        dest, [("_rels/.rels", rels.encode()), ("word/document.xml", document.encode())]
    )


def make_too_many_members(src: Path, dest: Path) -> Path:
    """A valid workbook padded with more members than the reader accepts."""
    members = read_members(src)
    members.extend((f"xl/media/pad{i}.bin", b"") for i in range(MAX_ENTRIES + 1 - len(members)))
    return write_zip(dest, members)


def make_oversized_file(src: Path, dest: Path) -> Path:
    """The workbook followed by zeros up to just over the file size limit (a sparse file)."""
    shutil.copyfile(src, dest)
    with dest.open("r+b") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    return dest


# -- files that are not workbooks -----------------------------------------------------------------

CSV_TEXT = "单位名称,报告年度,新收申请\n青禾镇人民政府,2025,17\n"
HTML_TEXT = (
    "<html><head><meta charset='utf-8'><title>年报</title></head><body><table>"
    "<tr><td>单位名称</td><td>青禾镇人民政府</td></tr></table></body></html>"
)
XML_SPREADSHEET_TEXT = (
    '<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="表三" '
    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Table><Row><Cell><Data '
    'ss:Type="Number">1</Data></Cell></Row></Table></Worksheet></Workbook>'
)


def make_text(src: Path, dest: Path, text: str = "这不是表格。\n", encoding: str = "utf-8") -> Path:
    dest.write_bytes(text.encode(encoding))
    return dest


def make_csv(src: Path, dest: Path) -> Path:
    return make_text(src, dest, CSV_TEXT, "utf-8-sig")


def make_html(src: Path, dest: Path) -> Path:
    """What "save as Excel" on many web systems really produces: an HTML table."""
    return make_text(src, dest, HTML_TEXT)


def make_html_with_bom(src: Path, dest: Path) -> Path:
    return make_text(src, dest, HTML_TEXT, "utf-8-sig")


def make_xml_spreadsheet(src: Path, dest: Path) -> Path:
    """An Excel 2003 "XML Spreadsheet" file."""
    return make_text(src, dest, XML_SPREADSHEET_TEXT)


def make_random_binary(src: Path, dest: Path) -> Path:
    dest.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(4096)))
    return dest


def make_encrypted(src: Path, dest: Path, password: str = "1234") -> Path:
    """Encrypt the workbook the way Excel/WPS do for an opening password (needs msoffcrypto)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with src.open("rb") as fh, dest.open("wb") as out:
        OOXMLFile(fh).encrypt(password, out)
    return dest


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def make_xls(src: Path, dest: Path, timeout: float = 180) -> Path:
    """Convert the workbook to a real .xls with LibreOffice (raises if soffice is missing)."""
    program = soffice()
    if program is None:
        raise FileNotFoundError("soffice")
    with tempfile.TemporaryDirectory() as work:
        profile = Path(work, "profile").as_uri()
        subprocess.run(
            [
                program,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "xls",
                "--outdir",
                work,
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        shutil.copyfile(Path(work, src.stem + ".xls"), dest)
    return dest


def make_et_from_xls(xls: Path, dest: Path) -> Path:
    """A WPS .et file: for our purposes the same compound-document bytes under another name."""
    shutil.copyfile(xls, dest)
    return dest


# -- macros, external links -----------------------------------------------------------------------

VBA_PROJECT = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b'Sub Auto_Open()\nShell "calc"\n'
)


def _add_relationship(rels_xml: str, rel_id: str, rel_type: str, target: str) -> str:
    rel = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/>'
    return rels_xml.replace("</Relationships>", rel + "</Relationships>")


def _add_override(types_xml: str, part: str, content_type: str) -> str:
    override = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
    return types_xml.replace("</Types>", override + "</Types>")


def make_xlsm(src: Path, dest: Path) -> Path:
    """The workbook as a macro-enabled .xlsm: a vbaProject.bin part, its relationship and type."""
    types = member_text(src, CONTENT_TYPES).replace(CT_SHEET_MAIN, CT_MACRO_MAIN)
    types = types.replace("</Types>", f'<Default Extension="bin" ContentType="{CT_VBA}"/></Types>')
    rels = _add_relationship(member_text(src, WORKBOOK_RELS), "rId900", REL_VBA, "vbaProject.bin")
    return rezip(
        src,
        dest,
        replace={CONTENT_TYPES: types.encode(), WORKBOOK_RELS: rels.encode()},
        add={"xl/vbaProject.bin": VBA_PROJECT},
    )


EXTERNAL_LINK_XML = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><externalLink xmlns="{NS_MAIN}" '
    f'xmlns:r="{NS_REL}"><externalBook r:id="rId1"><sheetNames><sheetName val="表三"/>'
    '</sheetNames><sheetDataSet><sheetData sheetId="0"><row r="6"><cell r="D6"><v>99</v></cell>'
    "</row></sheetData></sheetDataSet></externalBook></externalLink>"
)
EXTERNAL_LINK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{NS_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL_EXTERNAL_PATH}" '
    'Target="file:///C:/%E5%B9%B4%E6%8A%A5/%E6%B1%87%E6%80%BB.xlsx" TargetMode="External"/>'
    "</Relationships>"
)


def make_external_link(
    src: Path, dest: Path, *, relationship: bool = True, element: bool = True
) -> Path:
    """Add an external workbook link: the externalLink part, the workbook's relationship to it
    and its ``<externalReferences>`` entry (either of the last two can be left out)."""
    part = "xl/externalLinks/externalLink1.xml"
    types = _add_override(member_text(src, CONTENT_TYPES), part, CT_EXTERNAL_LINK)
    rels = member_text(src, WORKBOOK_RELS)
    if relationship:
        rels = _add_relationship(
            rels, "rId901", REL_EXTERNAL_LINK, "externalLinks/externalLink1.xml"
        )
    workbook = member_text(src, WORKBOOK_PART)
    if element:
        workbook = workbook.replace(
            "</sheets>",
            '</sheets><externalReferences><externalReference r:id="rId901"/></externalReferences>',
        )
    return rezip(
        src,
        dest,
        replace={
            CONTENT_TYPES: types.encode(),
            WORKBOOK_RELS: rels.encode(),
            WORKBOOK_PART: workbook.encode(),
        },
        add={
            part: EXTERNAL_LINK_XML.encode(),
            "xl/externalLinks/_rels/externalLink1.xml.rels": EXTERNAL_LINK_RELS.encode(),
        },
    )


# -- zip bombs ------------------------------------------------------------------------------------

_BOMB_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{NS_MAIN}">'
    '<sheetData><row r="1"><c r="A1"><v>'
).encode()
_BOMB_TAIL = b"</v></c></row></sheetData></worksheet>"


def _zeros(size: int) -> Callable[[], Iterator[bytes]]:
    """A sheet whose one cell holds ``size`` zeros: it deflates about a thousandfold."""

    def chunks() -> Iterator[bytes]:
        yield _BOMB_HEAD
        left = size
        block = b"0" * _CHUNK
        while left > 0:
            yield block[: min(left, _CHUNK)]
            left -= _CHUNK
        yield _BOMB_TAIL

    return chunks


def make_zip_bomb(
    src: Path,
    dest: Path,
    member: str | None = None,
    zeros: int = MAX_PART_BYTES + (1 << 20),
    *,
    sheet: str = "表三",
) -> Path:
    """Replace a part (by default the sheet ``sheet``) by one that inflates past the part limit;
    the zip headers tell the truth about its size."""
    member = member or sheet_part(src, sheet)
    return rezip(src, dest, streams={member: _zeros(zeros)})


def make_lying_zip_bomb(
    src: Path,
    dest: Path,
    claimed: int = 4096,
    zeros: int = 4 * MAX_PART_BYTES,
    *,
    sheet: str = "表三",
    matching_crc: bool = False,
) -> Path:
    """A sheet that inflates to ``zeros`` bytes while its headers claim ``claimed`` bytes.

    With ``matching_crc`` the headers carry the CRC of the first ``claimed`` bytes, so a reader
    that trusts the header gets a well-checksummed but cut-off part.
    """
    member = sheet_part(src, sheet)
    honest = dest.with_name(dest.name + ".honest")
    rezip(src, honest, streams={member: _zeros(zeros)})
    crc = None
    if matching_crc:
        crc, left = 0, claimed
        for chunk in _zeros(zeros)():
            piece = chunk[:left]
            crc = zlib.crc32(piece, crc)
            left -= len(piece)
            if left <= 0:
                break
    patch_member_header(honest, dest, member, file_size=claimed, crc=crc)
    honest.unlink()
    return dest


def _deflated_repeat(head: bytes, unit: bytes, size: int, tail: bytes) -> tuple[bytes, int, int]:
    """Return (raw deflate stream, CRC-32, length) of ``head``, ``unit`` repeated up to about
    ``size`` bytes, then ``tail``, without ever holding or compressing the whole.

    Each piece is compressed with a full flush, which resets the compressor: the piece of a block
    of units is then the same bytes every time and is simply repeated."""
    block = unit * max(1, (1 << 20) // len(unit))
    count = max(1, size // len(block))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
    piece = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    last = deflate.compress(tail) + deflate.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return first + piece * count + last, crc, len(head) + len(block) * count + len(tail)


def make_huge_part(src: Path, dest: Path, member: str, size: int = 3 << 30) -> Path:
    """Replace a part by a well-formed one of about ``size`` bytes (3 GB by default) that
    deflates to a few MB, with true sizes and CRC in its headers: what a spreadsheet program
    might write for a styles.xml with millions of cell formats. Sizes stay below 4 GiB (no
    zip64)."""
    if size >= 1 << 32:
        raise ValueError("size needs zip64")
    head = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{NS_MAIN}">'
        '<cellXfs count="1">'
    ).encode()
    unit = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    data, crc, length = _deflated_repeat(head, unit, size, b"</cellXfs></styleSheet>")
    members = [(name, blob) for name, blob in read_members(src) if name != member]
    write_zip(dest, members)
    # Append the member by hand: zipfile cannot take data compressed already.
    zip_bytes = bytearray(dest.read_bytes())
    end = zip_bytes.rfind(_END_OF_CENTRAL)
    count, central_size, central_start = struct.unpack_from("<HII", zip_bytes, end + 10)
    central = bytes(zip_bytes[central_start : central_start + central_size])
    name = member.encode()
    offset = central_start
    local = struct.pack(
        "<4s5H3I2H", _LOCAL_HEADER, 20, 0, 8, 0, 0x5A21, crc, len(data), length, len(name), 0
    )
    entry = struct.pack(
        "<4s6H3I5H2I",
        _CENTRAL_HEADER,
        20,
        20,
        0,
        8,
        0,
        0x5A21,
        crc,
        len(data),
        length,
        len(name),
        0,
        0,
        0,
        0,
        0,
        offset,
    )
    body = local + name + data
    central_out = central + entry + name
    record = struct.pack(
        "<4s4H2IH",
        _END_OF_CENTRAL,
        0,
        0,
        count + 1,
        count + 1,
        len(central_out),
        offset + len(body),
        0,
    )
    dest.write_bytes(bytes(zip_bytes[:central_start]) + body + central_out + record)
    return dest


# -- XML entity attacks ---------------------------------------------------------------------------


def billion_laughs_doctype(levels: int = 10) -> str:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [
        f'<!ENTITY lol{i} "{"".join(f"&lol{i - 1};" for _ in range(10))}">'
        for i in range(1, levels)
    ]
    return f"<!DOCTYPE lolz [{''.join(entities)}]>"


def quadratic_blowup_doctype(size: int = 100_000) -> str:
    return f'<!DOCTYPE q [<!ENTITY big "{"A" * size}">]>'


def xxe_doctype(target: Path) -> str:
    return f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "{target.resolve().as_uri()}">]>'


def external_dtd_doctype(target: Path) -> str:
    return f'<!DOCTYPE x SYSTEM "{target.resolve().as_uri()}">'


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_FIRST_TEXT = re.compile(r"(<(?:\w+:)?t(?:\s[^>]*)?>)([^<]*)(<)")
_FIRST_NAME_ATTR = re.compile(r'(<(?:\w+:)?sheet\s[^>]*?name=")([^"]*)(")')


def inject_doctype(xml: str, doctype: str, reference: str | None) -> str:
    """Put a DOCTYPE after the XML declaration and, if given, an entity reference into the
    document's first text (a shared string) or first sheet name."""
    m = _XML_DECLARATION.match(xml)
    at = m.end() if m else 0
    xml = xml[:at] + doctype + xml[at:]
    if reference:
        for pattern in (_FIRST_TEXT, _FIRST_NAME_ATTR):
            xml, n = pattern.subn(lambda mm: mm.group(1) + reference + mm.group(3), xml, count=1)
            if n:
                break
        else:
            root_end = xml.index(">", xml.index("<", at + len(doctype))) + 1
            xml = xml[:root_end] + reference + xml[root_end:]
    return xml


def make_entity_attack(
    src: Path, dest: Path, part: str, doctype: str, reference: str | None = None
) -> Path:
    """Inject a DOCTYPE (billion laughs, XXE, external DTD ...) into one XML part."""
    text = inject_doctype(member_text(src, part), doctype, reference)
    return rezip(src, dest, replace={part: text.encode()})


def make_xml_encoding(src: Path, dest: Path, part: str, encoding: str) -> Path:
    """Make one part's XML declaration name another encoding (the bytes stay UTF-8)."""
    text = member_text(src, part)
    declared = re.sub(r'encoding="[^"]*"', f'encoding="{encoding}"', text, count=1)
    return rezip(src, dest, replace={part: declared.encode()})


def make_billion_laughs(src: Path, dest: Path, part: str = WORKBOOK_PART) -> Path:
    return make_entity_attack(src, dest, part, billion_laughs_doctype(), "&lol9;")


def make_quadratic_blowup(src: Path, dest: Path, part: str = SHARED_STRINGS) -> Path:
    return make_entity_attack(src, dest, part, quadratic_blowup_doctype(), "&big;" * 1000)


def make_xxe(src: Path, dest: Path, part: str, secret: Path) -> Path:
    return make_entity_attack(src, dest, part, xxe_doctype(secret), "&xxe;")


def make_external_dtd(src: Path, dest: Path, part: str, dtd: Path) -> Path:
    return make_entity_attack(src, dest, part, external_dtd_doctype(dtd), None)


# -- a million rows -------------------------------------------------------------------------------

MILLION = 1_000_000


def _rows(first: int, count: int) -> Callable[[], Iterator[bytes]]:
    """Rows ``first``..``first + count - 1`` (1-based), each with one number in column A.

    Cells carry no "r" so a million rows stay well under the part size limit (about 34 MB)."""

    def chunks() -> Iterator[bytes]:
        batch = 20_000
        for start in range(first, first + count, batch):
            stop = min(start + batch, first + count)
            text = "".join(f'<row r="{r}"><c><v>{r % 10}</v></c></row>' for r in range(start, stop))
            yield text.encode()

    return chunks


def make_million_row_sheet(src: Path, dest: Path, rows: int = MILLION, name: str = "数据") -> Path:
    """Add an extra sheet of ``rows`` rows (not part of the template; never needs parsing)."""
    part = "xl/worksheets/sheet900.xml"
    head = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{NS_MAIN}">'
        f'<dimension ref="A1:A{rows}"/><sheetData>'
    ).encode()
    tail = b"</sheetData></worksheet>"
    body = _rows(1, rows)

    def chunks() -> Iterator[bytes]:
        yield head
        yield from body()
        yield tail

    workbook = member_text(src, WORKBOOK_PART).replace(
        "</sheets>", f'<sheet name="{name}" sheetId="900" r:id="rId902"/></sheets>'
    )
    rels = _add_relationship(
        member_text(src, WORKBOOK_RELS), "rId902", REL_WORKSHEET, "worksheets/sheet900.xml"
    )
    types = _add_override(member_text(src, CONTENT_TYPES), part, CT_WORKSHEET)
    return rezip(
        src,
        dest,
        replace={
            WORKBOOK_PART: workbook.encode(),
            WORKBOOK_RELS: rels.encode(),
            CONTENT_TYPES: types.encode(),
        },
        streams={part: chunks},
    )


def make_rows_below_table(
    src: Path, dest: Path, rows: int = MILLION, sheet: str = "表三", gap: int = 0
) -> Path:
    """Append ``rows`` rows of numbers below the last row of a table sheet."""
    part = sheet_part(src, sheet)
    xml = member_text(src, part)
    last = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
    head, _, tail = xml.partition("</sheetData>")
    body = _rows(last + 1 + gap, rows)

    def chunks() -> Iterator[bytes]:
        yield head.encode()
        yield from body()
        yield b"</sheetData>" + tail.encode()

    return rezip(src, dest, streams={part: chunks})


# -- cell values ----------------------------------------------------------------------------------


def make_cell_value(
    src: Path, dest: Path, sheet: str, cell: str, value: str, formula: str | None = None
) -> Path:
    """Set one existing cell's stored value (``<v>``, raw text such as "1E+999999999") and,
    if given, its formula text (without "=")."""
    part = sheet_part(src, sheet)
    xml = member_text(src, part)
    pattern = re.compile(rf'<c r="{cell}"([^>]*?)(?:/>|>.*?</c>)')
    body = f"<f>{xml_escape(formula)}</f>" if formula is not None else ""
    new, n = pattern.subn(
        lambda m: f'<c r="{cell}"{m.group(1)}>{body}<v>{value}</v></c>', xml, count=1
    )
    if not n:
        raise KeyError(cell)
    return rezip(src, dest, replace={part: new.encode()})


# -- a registry for bench scripts -----------------------------------------------------------------

CRAFTERS: dict[str, Callable[[Path, Path], Path]] = {
    "truncated-half": lambda s, d: make_truncated(s, d, s.stat().st_size // 2),
    "block-missing": lambda s, d: make_cut(s, d, s.stat().st_size // 3, 4096),
    "corrupt-sheet": lambda s, d: make_corrupt_member(s, d, sheet_part(s, "表三")),
    "text": make_text,
    "html": make_html,
    "csv": make_csv,
    "encrypted": make_encrypted,
    "xlsm": make_xlsm,
    "zip-bomb": make_zip_bomb,
    "lying-zip-bomb": make_lying_zip_bomb,
    "billion-laughs": make_billion_laughs,
    "unknown-xml-encoding": lambda s, d: make_xml_encoding(s, d, WORKBOOK_PART, "x-unknown"),
    "million-row-sheet": make_million_row_sheet,
    "huge-styles": lambda s, d: make_huge_part(s, d, "xl/styles.xml"),
    "million-rows-below-table": make_rows_below_table,
    "external-link": make_external_link,
}


def make_wide_row(
    src: Path, dest: Path, cells: int = 4_900_000, sheets: tuple[str, ...] = ("表三",)
) -> Path:
    """Append one row of ``cells`` empty cells (no "r", so it deflates to almost nothing: a
    120 KB file) below the last row of each sheet named."""
    streams: dict[str, Callable[[], Iterator[bytes]]] = {}
    for sheet in sheets:
        part = sheet_part(src, sheet)
        xml = member_text(src, part)
        last = max(int(r) for r in re.findall(r'<row r="(\d+)"', xml))
        head, _, tail = xml.partition("</sheetData>")

        def chunks(head: str = head, tail: str = tail, row: int = last + 1) -> Iterator[bytes]:
            yield head.encode() + f'<row r="{row}">'.encode()
            block = b"<c/>" * 100_000
            for _ in range(cells // 100_000):
                yield block
            yield b"<c/>" * (cells % 100_000) + b"</row></sheetData>" + tail.encode()

        streams[part] = chunks
    return rezip(src, dest, streams=streams)


# An HTML page whose tags are never closed: Python's HTMLParser is quadratic on it.
def unclosed_tags_html(size: int = 500_000) -> str:
    unit = "<div><span><p>年报"
    return "<html><body>" + unit * (size // len(unit.encode()))
