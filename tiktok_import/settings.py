"""Constants of the TikTok Shop Partner API and of this package. Constants only."""

API_BASE_URL = "https://open-api.tiktokglobalshop.com"
AUTH_BASE_URL = "https://auth.tiktok-shops.com"

TOKEN_GET_PATH = "/api/v2/token/get"
TOKEN_REFRESH_PATH = "/api/v2/token/refresh"
SHOPS_PATH = "/authorization/202309/shops"
SEARCH_VERSION = "202312"
SEARCH_PATH = f"/product/{SEARCH_VERSION}/products/search"
PRODUCT_PATH = "/product/202309/products/{product_id}"

ACCESS_TOKEN_HEADER = "x-tts-access-token"
PAGE_SIZE_MAX = 100
SEARCH_RESULT_CAP = 10_000
SELLER_SKUS_FILTER_MAX = 10
TIMESTAMP_MAX_AGE_SECONDS = 300
TIMESTAMP_MAX_SKEW_SECONDS = 30

# Envelope codes (API_NOTES.md, "Envelope and errors").
CODE_OK = 0
CODE_TOKEN_EXPIRED = 105002
CODE_SCOPE_NOT_GRANTED = 105005
CODE_BAD_SIGN = 106001
CODE_SHOP_CIPHER_MISSING = 106013
CODE_TOO_MANY_REQUESTS = 36009002
CODE_INTERNAL_ERROR = 36009003
CODE_REQUEST_FAULT = 36009004
CODE_REQUEST_TIMEOUT = 36009007
CODE_SEARCH_CAP = 12052180
CODE_PRODUCT_NOT_FOUND = 12019150
CODE_REFRESH_TOKEN_EXPIRED = 36004001
CODE_REFRESH_TOKEN_UNKNOWN = 36004005

PRODUCT_STATUSES = (
    "DRAFT",
    "PENDING",
    "FAILED",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
)
LISTINGS = ("both", "tiktok_only", "tokopedia_only")
DEFECT_KINDS = (
    "missing_price",
    "zero_price",
    "negative_stock",
    "empty_title",
    "duplicate_seller_sku",
    "malformed_image_url",
    "missing_category",
)

DEFAULT_OUTPUT_DIR = "outputs"
DEFAULT_CATALOG_SIZE = 500
DEFAULT_SEED = 7
DEFAULT_PAGE_SIZE = 100
DEFAULT_WORKERS = 4
DEFAULT_RPS_EMULATOR = 50.0
DEFAULT_RPS_LIVE = 10.0
MAX_RPS = 1000.0
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_TIMEOUT_SECONDS = 30.0
