"""Pydantic v2 fixtures for the schema corpus.

Every case below is a piece of client code, kept as a string. The script runs
that exact string with exec() and stores it next to what it produced, so the
`code` field of each fixture is the code that made its `schema`.

Three kinds of fixture come out of one case:

* ``pydantic-<name>.json``: ``Model.model_json_schema()`` (what a user who builds a
  request by hand, or a library such as instructor in JSON mode, starts from).
* ``pydantic-openai-parse-<name>.json``: the ``response_format`` that the OpenAI
  Python SDK sends for ``client.chat.completions.parse(response_format=Model)``
  (the SDK runs ``openai.lib._pydantic.to_strict_json_schema(Model)``), captured
  from the HTTP request body that reached a local server.
* ``pydantic-openai-tool-<name>.json``: a tool's ``parameters`` from
  ``openai.pydantic_function_tool(Model)``, captured the same way.

Run (from the repository root):

    python3 -m venv .data/schema-corpus-venv
    .data/schema-corpus-venv/bin/pip install pydantic openai email-validator
    .data/schema-corpus-venv/bin/python shared/src/grammar/corpus/make/pydantic_models.py
"""

from __future__ import annotations

import json
import sys
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openai
import pydantic
from openai.lib._pydantic import to_strict_json_schema

OUT_DIR = Path(__file__).resolve().parent.parent / "schemas"

try:
    import email_validator  # noqa: F401

    HAS_EMAIL_VALIDATOR = True
except ImportError:  # EmailStr needs it; without it that case is skipped
    HAS_EMAIL_VALIDATOR = False


# ---------------------------------------------------------------------------
# A local stand-in for the OpenAI API that records each request body.
# ---------------------------------------------------------------------------

RECORDED: list[dict] = []


class RecordingHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        length = int(self.headers.get("content-length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        RECORDED.append(body)
        # A refusal: the SDK's parse() then returns without validating content.
        reply = {
            "id": "chatcmpl-corpus",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "gpt-4o-2024-08-06"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": None, "refusal": "corpus capture"},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


# ---------------------------------------------------------------------------
# The cases: (name, root model, code defining it). Kept exactly as written.
# ---------------------------------------------------------------------------

CASES: list[tuple[str, str, str]] = []


def case(name: str, root: str, code: str) -> None:
    CASES.append((name, root, code.strip("\n") + "\n"))


case("optional-fields", "UserProfile", '''
from typing import Optional
from pydantic import BaseModel


class UserProfile(BaseModel):
    name: str
    nickname: Optional[str] = None
    age: int | None = None
    bio: Optional[str]
    language: str = "en"
''')

case("nested-models", "Customer", '''
from pydantic import BaseModel


class Address(BaseModel):
    street: str
    city: str
    postal_code: str
    country: str


class Customer(BaseModel):
    name: str
    billing_address: Address
    shipping_address: Address | None = None
''')

case("list-of-models", "Order", '''
from pydantic import BaseModel


class LineItem(BaseModel):
    sku: str
    description: str
    quantity: int
    unit_price: float


class Order(BaseModel):
    order_id: str
    items: list[LineItem]
    notes: list[str] = []
''')

case("enum-class", "Ticket", '''
from enum import Enum, IntEnum
from pydantic import BaseModel


class Status(str, Enum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class Priority(IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3


class Ticket(BaseModel):
    title: str
    status: Status
    priority: Priority = Priority.MEDIUM
    previous_status: Status | None = None
''')

case("literal", "Classification", '''
from typing import Literal, Optional
from pydantic import BaseModel


class Classification(BaseModel):
    kind: Literal["classification"]
    sentiment: Literal["positive", "negative", "neutral"]
    stars: Literal[1, 2, 3, 4, 5]
    language: Optional[Literal["en", "de", "fr"]] = None
    flagged: Literal[True, False]
''')

case("constrained-ints", "Person", '''
from pydantic import BaseModel, Field, conint, PositiveInt, NonNegativeInt


class Person(BaseModel):
    age: int = Field(ge=0, le=150)
    shoe_size: int = Field(gt=10, lt=60)
    floor: conint(ge=-5, le=200)
    siblings: NonNegativeInt
    visits: PositiveInt
    batch: conint(multiple_of=5)
''')

case("constrained-floats", "Prediction", '''
from pydantic import BaseModel, Field, confloat


class Prediction(BaseModel):
    label: str
    confidence: float = Field(ge=0, le=1)
    temperature: confloat(gt=-273.15, lt=10000.0)
    weight: float = Field(default=1.0, gt=0)
    step: float = Field(multiple_of=0.5)
''')

case("constrained-strings", "Payment", '''
from pydantic import BaseModel, Field, constr


class Payment(BaseModel):
    payer_name: str = Field(min_length=1, max_length=100)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    reference: constr(min_length=8, max_length=8, pattern=r"^[0-9A-F]+$")
    memo: str = Field(default="", max_length=140)
''')

case("date-time", "Meeting", '''
from datetime import date, datetime, time, timedelta
from pydantic import BaseModel


class Meeting(BaseModel):
    title: str
    starts_at: datetime
    day: date
    reminder_time: time
    duration: timedelta
    ends_at: datetime | None = None
''')

case("uuid", "Resource", '''
from uuid import UUID
from pydantic import BaseModel, UUID4


class Resource(BaseModel):
    id: UUID
    owner_id: UUID4
    parent_id: UUID | None = None
''')

if HAS_EMAIL_VALIDATOR:
    case("email-url", "Contact", '''
from pydantic import BaseModel, EmailStr, HttpUrl, AnyUrl


class Contact(BaseModel):
    name: str
    email: EmailStr
    website: HttpUrl | None = None
    profile: AnyUrl
    alternate_emails: list[EmailStr] = []
''')

case("recursive-tree", "TreeNode", '''
from pydantic import BaseModel


class TreeNode(BaseModel):
    name: str
    value: int
    children: list["TreeNode"] = []
''')

case("recursive-comments", "Thread", '''
from typing import Optional
from pydantic import BaseModel


class Comment(BaseModel):
    author: str
    text: str
    replies: list["Comment"]
    parent: Optional["Comment"] = None


class Thread(BaseModel):
    topic: str
    comments: list[Comment]
''')

case("recursive-mutual", "Folder", '''
from pydantic import BaseModel


class File(BaseModel):
    name: str
    size_bytes: int
    parent: "Folder | None" = None


class Folder(BaseModel):
    name: str
    files: list[File]
    subfolders: list["Folder"]
''')

case("dict-fields", "WordStats", '''
from pydantic import BaseModel


class Synonym(BaseModel):
    word: str
    score: float


class WordStats(BaseModel):
    counts: dict[str, int]
    tags: dict[str, list[str]]
    synonyms: dict[str, Synonym]
    metadata: dict[str, str] | None = None
''')

case("tuples", "Route", '''
from pydantic import BaseModel


class Route(BaseModel):
    start: tuple[float, float]
    end: tuple[float, float]
    waypoints: list[tuple[float, float]]
    stop_ids: tuple[int, ...]
    summary: tuple[str, int, bool]
''')

case("discriminated-union", "Owner", '''
from typing import Literal, Union
from pydantic import BaseModel, Field


class Cat(BaseModel):
    pet_type: Literal["cat"]
    meows: int


class Dog(BaseModel):
    pet_type: Literal["dog"]
    barks: float


class Lizard(BaseModel):
    pet_type: Literal["reptile", "lizard"]
    scales: bool


class Owner(BaseModel):
    name: str
    pet: Union[Cat, Dog, Lizard] = Field(discriminator="pet_type")
''')

case("plain-union", "Checkout", '''
from typing import Union
from pydantic import BaseModel


class Card(BaseModel):
    number: str
    expiry: str


class BankTransfer(BaseModel):
    iban: str
    bic: str | None = None


class Checkout(BaseModel):
    method: Union[Card, BankTransfer]
    amount: int | float
    coupon: str | int | None = None
''')

case("conlist", "Survey", '''
from typing import Annotated
from pydantic import BaseModel, Field, conlist


class Survey(BaseModel):
    answers: conlist(str, min_length=1, max_length=5)
    scores: list[Annotated[int, Field(ge=1, le=10)]] = Field(min_length=3, max_length=3)
    tags: set[str]
    ranked: list[str] = Field(default_factory=list, max_length=10)
''')

case("defaults", "Settings", '''
from pydantic import BaseModel, Field


class Settings(BaseModel):
    model: str = "gpt-4o"
    temperature: float = 0.7
    max_tokens: int = 256
    stream: bool = False
    stop: list[str] = Field(default_factory=list)
    user: str | None = None
    seed: int = Field(default=42, description="Random seed", examples=[1, 2, 3])
''')

case("descriptions", "WeatherReport", '''
from typing import Annotated, Literal
from pydantic import BaseModel, Field


class WeatherReport(BaseModel):
    """A weather report for one city on one day."""

    city: Annotated[str, Field(description="City name, e.g. Paris")]
    unit: Literal["celsius", "fahrenheit"] = Field(description="Temperature unit")
    high: float = Field(title="High temperature", description="The day's highest temperature")
    low: float = Field(title="Low temperature")
    conditions: list[str] = Field(description="Short phrases such as 'sunny' or 'light rain'")
''')

case("forbid-extra", "StrictEvent", '''
from pydantic import BaseModel, ConfigDict


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float
    lon: float


class StrictEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", title="Event", json_schema_extra={"examples": [{"name": "launch"}]})
    name: str
    where: Location
''')

case("decimal", "Invoice", '''
from decimal import Decimal
from pydantic import BaseModel, Field


class InvoiceLine(BaseModel):
    description: str
    amount: Decimal = Field(max_digits=10, decimal_places=2)


class Invoice(BaseModel):
    number: str
    lines: list[InvoiceLine]
    total: Decimal
    tax_rate: Decimal = Field(ge=0, le=1)
''')

case("generic-model", "SearchPage", '''
from typing import Generic, TypeVar
from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    total: int


class Hit(BaseModel):
    url: str
    score: float


class SearchPage(Page[Hit]):
    query: str
''')

case("cookbook-math-reasoning", "MathReasoning", '''
from pydantic import BaseModel


class MathReasoning(BaseModel):
    class Step(BaseModel):
        explanation: str
        output: str

    steps: list[Step]
    final_answer: str
''')

case("cookbook-article-summary", "ArticleSummary", '''
from pydantic import BaseModel


class ArticleSummary(BaseModel):
    invented_year: int
    summary: str
    inventors: list[str]
    description: str

    class Concept(BaseModel):
        title: str
        description: str

    concepts: list[Concept]
''')

case("docs-calendar-event", "CalendarEvent", '''
from pydantic import BaseModel


class CalendarEvent(BaseModel):
    name: str
    date: str
    participants: list[str]
''')

case("kitchen-sink-extraction", "Resume", '''
from datetime import date
from enum import Enum
from typing import Literal, Optional
from pydantic import BaseModel, Field


class Degree(str, Enum):
    BACHELOR = "bachelor"
    MASTER = "master"
    PHD = "phd"


class Education(BaseModel):
    school: str
    degree: Degree
    field: Optional[str] = None
    graduated: Optional[date] = None


class Job(BaseModel):
    company: str
    title: str
    start: date
    end: Optional[date] = Field(None, description="null while the job is current")
    highlights: list[str] = Field(default_factory=list, max_length=5)


class Resume(BaseModel):
    full_name: str = Field(min_length=1)
    seniority: Literal["junior", "mid", "senior", "staff"]
    years_experience: int = Field(ge=0, le=60)
    skills: dict[str, int] = Field(description="skill name -> self-rated level 1..5")
    education: list[Education]
    jobs: list[Job]
''')

TOOL_CASES: list[tuple[str, str, str]] = []


def tool_case(name: str, root: str, code: str) -> None:
    TOOL_CASES.append((name, root, code.strip("\n") + "\n"))


tool_case("get-weather", "GetWeather", '''
from typing import Literal
from pydantic import BaseModel, Field


class GetWeather(BaseModel):
    """Get the current weather in a city."""

    city: str = Field(description="City name")
    unit: Literal["celsius", "fahrenheit"] | None = None
''')

tool_case("query-orders", "Query", '''
from enum import Enum
from typing import Union
from pydantic import BaseModel


class Table(str, Enum):
    orders = "orders"
    customers = "customers"
    products = "products"


class Column(str, Enum):
    id = "id"
    status = "status"
    expected_delivery_date = "expected_delivery_date"
    delivered_at = "delivered_at"
    shipped_at = "shipped_at"
    ordered_at = "ordered_at"
    canceled_at = "canceled_at"


class Operator(str, Enum):
    eq = "="
    gt = ">"
    lt = "<"
    le = "<="
    ge = ">="
    ne = "!="


class OrderBy(str, Enum):
    asc = "asc"
    desc = "desc"


class DynamicValue(BaseModel):
    column_name: str


class Condition(BaseModel):
    column: str
    operator: Operator
    value: Union[str, int, DynamicValue]


class Query(BaseModel):
    table_name: Table
    columns: list[Column]
    conditions: list[Condition]
    order_by: OrderBy
''')

tool_case("create-calendar-event", "CreateCalendarEvent", '''
from datetime import datetime
from typing import Optional
from pydantic import BaseModel, Field


class Attendee(BaseModel):
    email: str
    optional: bool = False


class CreateCalendarEvent(BaseModel):
    """Create an event in the user's calendar."""

    title: str = Field(max_length=200)
    start: datetime
    end: datetime
    attendees: list[Attendee] = []
    location: Optional[str] = None
    reminder_minutes: int = Field(default=10, ge=0, le=1440)
''')

tool_case("tree-edit", "ApplyEdits", '''
from typing import Literal, Union
from pydantic import BaseModel, Field


class Node(BaseModel):
    tag: str
    children: list["Node"] = []


class Insert(BaseModel):
    op: Literal["insert"]
    path: list[int]
    node: Node


class Delete(BaseModel):
    op: Literal["delete"]
    path: list[int]


class ApplyEdits(BaseModel):
    edits: list[Union[Insert, Delete]] = Field(min_length=1)
''')


# ---------------------------------------------------------------------------

PROMPT = '"Extract the data from the text."'
CLIENT_LINE = 'client = OpenAI(base_url=BASE_URL, api_key="sk-local", max_retries=0)'


def json_code(code: str, root: str) -> str:
    return f"{code}\n\nschema = {root}.model_json_schema()\n"


def parse_code(code: str, root: str) -> str:
    return (
        "from openai import OpenAI\n"
        f"{code}\n\n"
        f"{CLIENT_LINE}\n"
        "completion = client.chat.completions.parse(\n"
        '    model="gpt-4o-2024-08-06",\n'
        f'    messages=[{{"role": "user", "content": {PROMPT}}}],\n'
        f"    response_format={root},\n"
        ")\n"
    )


def tool_code(code: str, root: str) -> str:
    return (
        "import openai\n"
        "from openai import OpenAI\n"
        f"{code}\n\n"
        f"{CLIENT_LINE}\n"
        "completion = client.chat.completions.create(\n"
        '    model="gpt-4o-2024-08-06",\n'
        '    messages=[{"role": "user", "content": "Do it."}],\n'
        f"    tools=[openai.pydantic_function_tool({root})],\n"
        ")\n"
    )


def run(code: str, base_url: str) -> dict:
    # A fresh module per case: pydantic looks generic models' modules up in sys.modules.
    module = types.ModuleType("corpus_case")
    module.BASE_URL = base_url  # type: ignore[attr-defined]
    sys.modules["corpus_case"] = module
    try:
        exec(compile(code, "<corpus case>", "exec", dont_inherit=True), module.__dict__)  # noqa: S102 (our own code strings)
    finally:
        del sys.modules["corpus_case"]
    return module.__dict__


def write(file_name: str, entry: dict) -> None:
    path = OUT_DIR / file_name
    path.write_text(json.dumps(entry, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(OUT_DIR.parent)}")


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    pyd = f"pydantic {pydantic.VERSION}"
    sdk = f"pydantic {pydantic.VERSION} + openai-python {openai.__version__} chat.completions.parse request"
    tool_sdk = f"pydantic {pydantic.VERSION} + openai-python {openai.__version__} pydantic_function_tool request"

    for name, root, code in CASES:
        src = json_code(code, root)
        write(f"pydantic-{name}.json", {"source": pyd, "code": src, "schema": run(src, base_url)["schema"]})

        src = parse_code(code, root)
        RECORDED.clear()
        namespace = run(src, base_url)
        fmt = RECORDED[0]["response_format"]
        # What parse() sent is the SDK's strict transformation of the model, nothing else.
        assert fmt["json_schema"]["schema"] == to_strict_json_schema(namespace[root]), name
        write(
            f"pydantic-openai-parse-{name}.json",
            {
                "source": sdk,
                "code": src,
                "via": "response_format",
                "strict": fmt["json_schema"]["strict"],
                "name": fmt["json_schema"]["name"],
                "schema": fmt["json_schema"]["schema"],
            },
        )

    for name, root, code in TOOL_CASES:
        src = tool_code(code, root)
        RECORDED.clear()
        run(src, base_url)
        fn = RECORDED[0]["tools"][0]["function"]
        write(
            f"pydantic-openai-tool-{name}.json",
            {
                "source": tool_sdk,
                "code": src,
                "via": "tool_parameters",
                "strict": fn.get("strict", False),
                "name": fn["name"],
                "schema": fn["parameters"],
            },
        )

    # A root that is not an object: TypeAdapter over a list (what e.g. a batch extractor starts from).
    src = '''
from pydantic import BaseModel, TypeAdapter


class Entity(BaseModel):
    text: str
    label: str
    start: int
    end: int


schema = TypeAdapter(list[Entity]).json_schema()
'''.lstrip("\n")
    write("pydantic-typeadapter-list-root.json", {"source": pyd, "code": src, "schema": run(src, base_url)["schema"]})

    # Serialization mode differs from validation mode for computed fields and defaults.
    src = '''
from pydantic import BaseModel, computed_field


class Rectangle(BaseModel):
    width: float
    height: float = 1.0

    @computed_field
    @property
    def area(self) -> float:
        return self.width * self.height


schema = Rectangle.model_json_schema(mode="serialization")
'''.lstrip("\n")
    write("pydantic-serialization-mode.json", {"source": pyd, "code": src, "schema": run(src, base_url)["schema"]})

    server.shutdown()
    if not HAS_EMAIL_VALIDATOR:
        print("email-validator is not installed: the EmailStr case was skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
