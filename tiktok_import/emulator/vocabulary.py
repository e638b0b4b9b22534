"""Indonesian words the catalog is built from: categories, product names, brands.

Every brand and shop name here is invented. Category ids are stable so that a
chain reads the same in every catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

COLORS = (
    "Hitam",
    "Putih",
    "Navy",
    "Abu Misty",
    "Maroon",
    "Army",
    "Mocca",
    "Dusty Pink",
    "Sage",
    "Cream",
    "Coksu",
    "Lilac",
)
CLOTHING_SIZES = ("S", "M", "L", "XL", "XXL")
TROUSER_SIZES = ("28", "29", "30", "31", "32", "33", "34", "36")
SHOE_SIZES = ("38", "39", "40", "41", "42", "43", "44")
FLAVOURS = ("Original", "Pedas", "Extra Pedas", "Balado", "Keju")

# Sales attribute ids as TikTok uses them for every category (value ids are
# derived from the value text, see catalog.py).
ATTRIBUTE_IDS = {"Warna": "100000", "Ukuran": "100007", "Varian": "100089"}


@dataclass(frozen=True)
class Leaf:
    """A leaf category and everything needed to invent products in it."""

    code: str  # seller SKU prefix
    chain: tuple[tuple[str, str], ...]  # (category id, local_name), root first
    nouns: tuple[str, ...]
    details: tuple[str, ...]
    suffixes: tuple[str, ...]  # a pack size or a count closing the title
    variants: tuple[tuple[str, tuple[str, ...]], ...]  # (attribute, values)
    price: tuple[int, int]  # IDR
    grams: tuple[int, int]
    brands: tuple[str, ...]
    material: tuple[str, ...] = ()


LEAVES = (
    Leaf(
        "KAOS",
        (("824328", "Pakaian Pria"), ("839944", "Atasan"), ("601226", "Kaos")),
        ("Kaos Polos", "Kaos Oversize", "Kaos Distro", "Kaos Raglan"),
        (
            "Cotton Combed 30s",
            "Cotton Combed 24s",
            "Lengan Pendek",
            "Lengan Panjang",
            "Unisex",
            "Premium",
            "Sablon DTF",
        ),
        (),
        (("Warna", COLORS), ("Ukuran", CLOTHING_SIZES)),
        (35_000, 120_000),
        (150, 300),
        ("Kaosin", "Nusa Apparel", "Lokalpride", "Rajut Kita"),
        ("Katun", "Cotton Combed"),
    ),
    Leaf(
        "CHNO",
        (("824328", "Pakaian Pria"), ("839960", "Celana"), ("601301", "Celana Chino")),
        ("Celana Chino Panjang", "Celana Chino Pendek", "Celana Chino Ankle"),
        ("Slim Fit", "Stretch", "Premium", "Pria Dewasa", "Bahan Twill"),
        (),
        (("Warna", COLORS[:8]), ("Ukuran", TROUSER_SIZES)),
        (85_000, 250_000),
        (350, 600),
        ("Nusa Apparel", "Garis Lurus", "Bumi Denim"),
        ("Katun Twill", "Katun Stretch"),
    ),
    Leaf(
        "HJB",
        (
            ("842248", "Fashion Muslim"),
            ("843016", "Hijab"),
            ("843020", "Hijab Segi Empat"),
        ),
        ("Hijab Segi Empat", "Kerudung Segi Empat", "Jilbab Segi Empat"),
        ("Voal Motif", "Bella Square", "Polycotton", "Laser Cut", "Jahit Tepi"),
        (),
        (("Warna", COLORS),),
        (15_000, 75_000),
        (80, 150),
        ("Hijabku", "Kerudung Ayu", "Sahabat Hijab"),
        ("Voal", "Polycotton"),
    ),
    Leaf(
        "GMS",
        (
            ("842248", "Fashion Muslim"),
            ("843104", "Pakaian Muslim Wanita"),
            ("843112", "Gamis"),
        ),
        ("Gamis", "Gamis Syari", "Abaya", "Dress Muslim"),
        ("Busui Friendly", "Crinkle Airflow", "Set Khimar", "Rayon Premium", "Jumbo"),
        (),
        (("Warna", COLORS), ("Ukuran", ("S", "M", "L", "XL", "All Size"))),
        (95_000, 350_000),
        (400, 800),
        ("Sahabat Hijab", "Anggun Moslem", "Zahra Wear"),
        ("Rayon", "Crinkle"),
    ),
    Leaf(
        "SMBL",
        (
            ("700437", "Makanan & Minuman"),
            ("700645", "Bumbu & Saus"),
            ("700661", "Sambal"),
        ),
        ("Sambal Bawang", "Sambal Cumi", "Sambal Roa", "Sambal Teri", "Sambal Ijo"),
        ("Pedas", "Homemade", "Tanpa Pengawet", "Khas Manado", "Botol Kaca"),
        ("150gr", "200gr", "250gr"),
        (("Varian", FLAVOURS[:3]),),
        (18_000, 65_000),
        (200, 400),
        ("Dapur Bunda", "Rasa Nenek", "Pedas Mantap"),
    ),
    Leaf(
        "KRPK",
        (
            ("700437", "Makanan & Minuman"),
            ("700501", "Makanan Ringan"),
            ("700517", "Keripik"),
        ),
        (
            "Keripik Singkong",
            "Keripik Pisang",
            "Basreng",
            "Makaroni Pedas",
            "Kripik Kaca",
        ),
        ("Pedas Daun Jeruk", "Renyah", "Oleh-oleh Khas", "Kemasan Zip Lock"),
        ("250gr", "500gr", "1kg"),
        (("Varian", FLAVOURS),),
        (10_000, 60_000),
        (250, 1_100),
        ("Cemilan Kita", "Kriuk Nusantara", "Rasa Nenek"),
    ),
    Leaf(
        "KOPI",
        (("700437", "Makanan & Minuman"), ("700773", "Kopi")),
        (
            "Kopi Bubuk Arabika Gayo",
            "Kopi Robusta Lampung",
            "Biji Kopi Toraja",
            "Kopi Susu Gula Aren",
            "Kopi Bubuk Kintamani",
        ),
        ("Roasting Medium", "Single Origin", "Fresh Roast", "100% Murni"),
        ("100gr", "250gr", "500gr", "1kg"),
        (("Ukuran", ("100gr", "250gr", "500gr", "1kg")),),
        (25_000, 180_000),
        (120, 1_050),
        ("Kopi Kampung", "Seduh Pagi", "Biji Nusantara"),
    ),
    Leaf(
        "SRM",
        (
            ("601450", "Kecantikan & Perawatan"),
            ("601469", "Perawatan Wajah"),
            ("601475", "Serum Wajah"),
        ),
        ("Serum Wajah", "Serum Niacinamide", "Serum Vitamin C", "Serum Retinol"),
        ("BPOM", "Brightening", "Glowing", "Untuk Kulit Berminyak", "Acne Care"),
        ("20ml", "30ml"),
        (("Ukuran", ("20ml", "30ml", "50ml")),),
        (39_000, 150_000),
        (60, 150),
        ("Glowme", "Kulit Sehat", "Ayu Beauty"),
    ),
    Leaf(
        "LIP",
        (
            ("601450", "Kecantikan & Perawatan"),
            ("601530", "Makeup"),
            ("601546", "Lipstik"),
        ),
        ("Lip Cream Matte", "Lip Tint", "Lipstik Transferproof", "Lip Serum"),
        ("Tahan Lama", "Ringan di Bibir", "BPOM", "Halal"),
        (),
        (
            (
                "Warna",
                (
                    "01 Nude Beige",
                    "02 Rosy Brown",
                    "03 Brick Red",
                    "04 Mauve Pink",
                    "05 Cherry Red",
                    "06 Peach",
                ),
            ),
        ),
        (29_000, 95_000),
        (30, 80),
        ("Ayu Beauty", "Warna Kita", "Glowme"),
    ),
    Leaf(
        "PNC",
        (
            ("604453", "Perlengkapan Rumah"),
            ("604579", "Peralatan Dapur"),
            ("604603", "Panci & Wajan"),
        ),
        ("Panci Presto", "Wajan Anti Lengket", "Panci Set Stainless", "Teflon Granite"),
        ("Tebal", "Bisa untuk Kompor Induksi", "Tutup Kaca", "Bergaransi"),
        (),
        (("Ukuran", ("18cm", "20cm", "22cm", "24cm", "26cm", "28cm")),),
        (65_000, 650_000),
        (900, 4_500),
        ("Dapurkita", "Masak Enak", "Sinar Logam"),
        ("Stainless Steel", "Aluminium"),
    ),
    Leaf(
        "SPR",
        (
            ("604453", "Perlengkapan Rumah"),
            ("604730", "Tekstil Rumah"),
            ("604746", "Sprei"),
        ),
        ("Sprei Katun Jepang", "Bed Cover Set", "Sprei Rumbai", "Sprei Waterproof"),
        ("Motif Minimalis", "Anti Luntur", "Tinggi 30cm", "Lembut"),
        (),
        (
            ("Warna", COLORS[:6]),
            ("Ukuran", ("100x200", "120x200", "160x200", "180x200")),
        ),
        (75_000, 400_000),
        (700, 2_500),
        ("Tidur Nyenyak", "Kasur Indah", "Bumi Tekstil"),
        ("Katun Jepang", "Microfiber"),
    ),
    Leaf(
        "KBL",
        (("601739", "Handphone & Aksesoris"), ("601801", "Kabel Data & Charger")),
        (
            "Kabel Data Type C",
            "Kabel Data Lightning",
            "Charger Fast Charging 33W",
            "Kabel Data Micro USB",
        ),
        ("1 Meter", "2 Meter", "Braided", "Garansi 1 Tahun", "Original"),
        (),
        (("Warna", ("Hitam", "Putih")),),
        (15_000, 120_000),
        (50, 200),
        ("Setrum", "Colok Aja", "Daya Penuh"),
    ),
    Leaf(
        "SPT",
        (
            ("824584", "Olahraga & Outdoor"),
            ("824600", "Sepatu Olahraga"),
            ("824616", "Sepatu Lari"),
        ),
        ("Sepatu Lari", "Sepatu Running", "Sepatu Sneakers Olahraga"),
        ("Ringan", "Sol Empuk", "Pria Wanita", "Breathable", "Anti Slip"),
        (),
        (("Warna", COLORS[:5]), ("Ukuran", SHOE_SIZES)),
        (120_000, 650_000),
        (600, 1_200),
        ("Raya Sport", "Langkah Jaya", "Lari Terus"),
        ("Mesh", "Kanvas"),
    ),
    Leaf(
        "HELM",
        (("601937", "Otomotif"), ("601953", "Aksesoris Motor"), ("601969", "Helm")),
        ("Helm Half Face", "Helm Full Face", "Helm Retro", "Helm Bogo"),
        ("SNI", "Kaca Datar", "Visor Anti Gores", "Dewasa"),
        (),
        (
            ("Warna", ("Hitam Doff", "Hitam Glossy", "Putih", "Merah")),
            ("Ukuran", ("M", "L", "XL")),
        ),
        (150_000, 750_000),
        (1_100, 1_700),
        ("Kepala Aman", "Roda Dua", "Motoria"),
    ),
    Leaf(
        "MADU",
        (("602033", "Kesehatan"), ("602049", "Suplemen Makanan"), ("602065", "Madu")),
        ("Madu Hutan Asli", "Madu Kelengkeng", "Madu Klanceng", "Madu Randu"),
        ("Murni", "Tanpa Campuran", "Botol Kaca", "Lulus Uji Lab"),
        ("250gr", "500gr", "1kg"),
        (("Ukuran", ("250gr", "500gr", "1kg")),),
        (45_000, 250_000),
        (300, 1_300),
        ("Lebah Rimba", "Madu Bunda", "Sari Hutan"),
    ),
    Leaf(
        "TAS",
        (("602130", "Tas Wanita"), ("602146", "Tote Bag")),
        ("Tote Bag Kanvas", "Tas Selempang Wanita", "Tote Bag Resleting"),
        ("Muat Laptop", "Motif Aesthetic", "Anti Air", "Kuliah Kerja"),
        (),
        (("Warna", COLORS[:7]),),
        (25_000, 180_000),
        (150, 500),
        ("Tas Kita", "Kanvas Lokal", "Zahra Wear"),
        ("Kanvas", "Parasut"),
    ),
)

DESCRIPTION_LINES = (
    "Produk original, siap kirim dari gudang kami.",
    "Kualitas terjamin, cocok untuk dipakai sehari-hari.",
    "Pesanan sebelum pukul 15.00 WIB dikirim di hari yang sama.",
    "Garansi tukar barang jika produk yang diterima rusak.",
    "Mohon sertakan video unboxing untuk pengajuan komplain.",
    "Warna produk dapat sedikit berbeda karena pencahayaan foto.",
)
CITIES = (
    "Jakarta Barat",
    "Bandung",
    "Surabaya",
    "Yogyakarta",
    "Medan",
    "Semarang",
    "Tangerang",
    "Bekasi",
    "Malang",
    "Makassar",
)
SHOP_WORDS = (
    ("Berkah", "Sumber", "Toko", "Sinar", "Rumah", "Griya", "Pusat"),
    ("Jaya", "Rezeki", "Makmur", "Abadi", "Sentosa", "Lestari", "Mandiri"),
    ("Official", "Store", "Shop", "Grosir", "Indonesia"),
)
AUDIT_FAILURES = (
    (
        "Gambar produk tidak jelas.",
        "Unggah ulang gambar utama dengan resolusi lebih tinggi.",
    ),
    ("Kategori produk tidak sesuai.", "Pilih kategori yang sesuai dengan produk."),
    ("Judul produk melanggar aturan.", "Hapus kata promosi dari judul produk."),
)
SYNC_FAIL_REASONS = ("Kategori tidak tersedia di Tokopedia.",)
