"""The phrase bank of the synthetic calls: Vietnamese telecom customer-care dialogue lines.

Placeholders: ``{name}`` agent's name, ``{brand}`` operator, ``{kh}``/``{Kh}`` how the agent
addresses the customer (anh/chị), ``{phone}`` number read out, ``{cname}`` customer's name.
The greeting always has the agent identify himself/herself; the closing always contains
``CLOSING_KEY``. A small bank keeps the TTS cache small and its hit rate high.
"""

from __future__ import annotations

GREETING_KEY = "tổng đài viên"
CLOSING_KEY = "Cảm ơn anh chị đã gọi"

# A fixed cast keeps the TTS cache small: (name, gender, (espeak voice, pitch 0-99, words/min)).
# Agent and customer voices differ in gender, variant, pitch and speed.
AGENTS = (
    ("Lan", "female", ("vi+f3", 55, 170)),
    ("Hương", "female", ("vi+f2", 60, 165)),
    ("Mai", "female", ("vi+f4", 50, 175)),
    ("Thảo", "female", ("vi+f5", 55, 170)),
    ("Minh", "male", ("vi+m3", 50, 170)),
    ("Tuấn", "male", ("vi+m2", 45, 165)),
    ("Hùng", "male", ("vi+m6", 55, 175)),
)
CUSTOMER_VOICES = {
    "female": (
        ("vi+f2", 45, 155),
        ("vi-vn-x-south+f4", 40, 150),
        ("vi-vn-x-central+f3", 50, 160),
        ("vi+f5", 40, 155),
    ),
    "male": (
        ("vi+m2", 40, 150),
        ("vi-vn-x-south+m3", 45, 155),
        ("vi-vn-x-central+m6", 50, 160),
        ("vi+m3", 35, 150),
    ),
}
CUSTOMER_NAMES = {
    "female": ("Trần Thị Hoa", "Phạm Thu Hà", "Vũ Thị Lan Anh", "Nguyễn Thị Hằng"),
    "male": ("Nguyễn Văn Hùng", "Lê Minh Tuấn", "Hoàng Văn Nam", "Đỗ Quang Huy"),
}
PHONES = (
    "không chín tám bảy, một hai ba, bốn năm sáu",
    "không chín một hai, ba bốn năm, sáu bảy tám",
    "không ba năm năm, hai không một, chín chín tám",
    "không tám tám sáu, bốn bốn hai, một không ba",
    "không chín bảy ba, sáu sáu một, năm hai bốn",
    "không ba tám tám, bảy bảy không, ba một sáu",
)

GREETINGS = (
    "Xin chào, em là {name}, tổng đài viên {brand}, em có thể giúp gì cho anh chị?",
    "{brand} xin chào, em là {name}, tổng đài viên chăm sóc khách hàng, "
    "em có thể giúp gì cho anh chị ạ?",
    "Xin chào anh chị, em là {name}, tổng đài viên {brand}, anh chị cần hỗ trợ gì ạ?",
)

PROBLEMS = {
    "network": (
        "Chào em, mạng điện thoại nhà tôi bị mất sóng từ sáng đến giờ, gọi đi không được.",
        "Em ơi, mấy hôm nay mạng bốn gê của tôi chậm quá, vào mạng không được.",
        "Chào em, tôi ở quận Cầu Giấy, sóng điện thoại chập chờn suốt cả tuần nay.",
        "Chào em, tôi gọi điện hay bị rớt cuộc gọi, nghe không rõ tiếng.",
    ),
    "billing": (
        "Chào em, tháng này cước điện thoại của tôi cao bất thường, tôi muốn kiểm tra lại.",
        "Em ơi, tài khoản của tôi tự nhiên bị trừ tiền mà tôi không biết lý do.",
        "Chào em, tôi nhận được hóa đơn hơn năm trăm nghìn, mọi tháng chỉ khoảng hai trăm nghìn.",
    ),
    "data": (
        "Chào em, tôi muốn đăng ký một gói cước data cho điện thoại.",
        "Em ơi, gói data của tôi hết dung lượng rồi mà vẫn bị trừ tiền.",
        "Chào em, tôi muốn hỏi gói cước nào có nhiều dung lượng data mà giá rẻ.",
    ),
}

VERIFY = (
    (
        "Dạ vâng, {kh} vui lòng cho em xin số điện thoại đang sử dụng ạ.",
        "Số của tôi là {phone}.",
    ),
    (
        "Dạ, {kh} cho em xin họ tên chủ thuê bao để em kiểm tra thông tin ạ.",
        "Tôi tên là {cname}.",
    ),
)

EXCHANGES = {
    "network": (
        (
            "Dạ, {kh} cho em hỏi mình đang ở khu vực nào ạ?",
            "Tôi đang ở phường Dịch Vọng, quận Cầu Giấy, Hà Nội.",
        ),
        (
            "Dạ, {kh} đã thử khởi động lại điện thoại chưa ạ?",
            "Tôi khởi động lại mấy lần rồi mà vẫn không được.",
        ),
        ("Tình trạng này xảy ra từ khi nào vậy {kh}?", "Từ tối hôm qua, khoảng tám giờ tối em ạ."),
        (
            "Dạ, {kh} đã thử dùng điện thoại khác ở cùng chỗ đó chưa ạ?",
            "Điện thoại của người nhà tôi cũng bị như vậy.",
        ),
        (
            "Dạ, em kiểm tra thấy khu vực của {kh} đang có một trạm phát sóng bị sự cố.",
            "Vậy bao giờ thì sửa xong hả em?",
        ),
        (
            "Dạ, kỹ thuật viên đang xử lý, dự kiến trong hôm nay sóng sẽ ổn định lại ạ.",
            "Ừ, vậy em báo giúp tôi nhé.",
        ),
        (
            "Dạ, {kh} vui lòng bật rồi tắt chế độ máy bay và thử gọi lại giúp em ạ.",
            "Được rồi, để tôi thử xem sao.",
        ),
        (
            "Dạ, em đã tạo phiếu báo hỏng cho {kh}, kỹ thuật sẽ liên hệ lại trong hai giờ tới ạ.",
            "Nhớ gọi cho tôi trước khi đến nhé.",
        ),
    ),
    "billing": (
        (
            "Dạ, em kiểm tra thấy tháng này thuê bao của {kh} phát sinh cước gọi quốc tế ạ.",
            "Tôi có gọi quốc tế bao giờ đâu em.",
        ),
        (
            "{Kh} có đăng ký dịch vụ giá trị gia tăng nào không ạ?",
            "Tôi không nhớ là mình có đăng ký gì cả.",
        ),
        (
            "Dạ, thuê bao của {kh} đang dùng dịch vụ nhạc chờ, mười nghìn đồng một tháng ạ.",
            "Vậy em hủy giúp tôi dịch vụ đó luôn nhé.",
        ),
        ("Dạ, em sẽ gửi yêu cầu kiểm tra lại cước cho {kh} ạ.", "Bao lâu thì có kết quả hả em?"),
        (
            "Dạ, trong vòng ba ngày làm việc sẽ có kết quả và bên em nhắn tin cho {kh} ạ.",
            "Ừ, được rồi, tôi chờ.",
        ),
        (
            "Dạ, nếu có sai sót bên em sẽ hoàn lại tiền vào tài khoản của {kh} ạ.",
            "Thế thì tốt, em nhớ kiểm tra kỹ giúp tôi.",
        ),
        (
            "Dạ, {kh} muốn nhận hóa đơn điện tử qua email không ạ?",
            "Có, em gửi qua email cho tôi nhé.",
        ),
    ),
    "data": (
        (
            "Dạ, hiện tại bên em có gói chín mươi nghìn một tháng, mỗi ngày được hai gigabyte ạ.",
            "Gói đó có gọi miễn phí không em?",
        ),
        (
            "Dạ, gói này miễn phí các cuộc gọi nội mạng dưới mười phút ạ.",
            "Vậy đăng ký như thế nào hả em?",
        ),
        (
            "Dạ, {kh} soạn tin theo cú pháp rồi gửi đến một chín một là được ạ.",
            "Em đăng ký luôn giúp tôi được không?",
        ),
        (
            "Dạ được ạ, em đã đăng ký gói cước cho {kh}, có hiệu lực ngay bây giờ ạ.",
            "Cảm ơn em nhé.",
        ),
        (
            "Dạ, dung lượng tốc độ cao của {kh} đã hết từ ngày hôm qua ạ.",
            "Sao nhanh hết thế nhỉ, tôi có dùng mấy đâu.",
        ),
        (
            "Dạ, {kh} có thể mua thêm dung lượng với giá mười nghìn đồng một gigabyte ạ.",
            "Thôi để tôi suy nghĩ thêm đã.",
        ),
        (
            "Dạ, gói cước sẽ tự động gia hạn vào ngày mùng một hằng tháng ạ.",
            "Tôi muốn hủy gia hạn tự động thì làm thế nào?",
        ),
    ),
}

GENERIC = (
    ("Dạ, em đã ghi nhận thông tin của {kh} rồi ạ.", "Ừ, cảm ơn em."),
    (
        "Dạ, {kh} có cần em nhắn tin xác nhận qua số điện thoại này không ạ?",
        "Có, em nhắn cho tôi nhé.",
    ),
    ("Dạ, em xin phép kiểm tra thêm lịch sử sử dụng của {kh} ạ.", "Ừ, em kiểm tra đi."),
)

HOLD = (
    "Dạ, {kh} vui lòng giữ máy, em kiểm tra thông tin trong giây lát ạ.",
    "Ừ, em cứ kiểm tra đi.",
)
AFTER_HOLD = "Dạ, em cảm ơn {kh} đã chờ máy ạ."

ANGRY = (
    "Tôi đã gọi lên tổng đài ba lần rồi mà đến giờ vẫn chưa ai giải quyết cho tôi cả!",
    "Các em làm ăn kiểu gì vậy, tuần nào cũng bị như thế, tôi trả tiền đầy đủ cơ mà!",
    "Tôi không chấp nhận lời xin lỗi suông nữa đâu, tôi cần được xử lý ngay hôm nay!",
    "Nếu còn như thế này nữa thì tôi sẽ cắt hợp đồng và chuyển sang nhà mạng khác!",
    "Tiền thì trừ liên tục mà dịch vụ thì tệ như thế này, thật không thể chấp nhận được!",
    "Tôi làm việc cần điện thoại, mất liên lạc cả ngày thì ai đền bù cho tôi đây?",
)
APOLOGIES = (
    "Dạ, em rất xin lỗi {kh} ạ.",
    "Dạ, em hiểu sự bức xúc của {kh} ạ.",
    "Dạ vâng, em xin ghi nhận ạ.",
    "Dạ, em thành thật xin lỗi ạ.",
)
CALM_DOWN = (
    "Dạ, em sẽ ưu tiên xử lý cho {kh} ngay trong hôm nay ạ.",
    "Thôi được rồi, em xử lý nhanh giúp tôi nhé.",
)

# Lines used for interruptions: long, without commas, so the overlap falls inside one segment.
INTERRUPT_AGENT = (
    "Dạ em xin phép ngắt lời {kh} một chút để kiểm tra lại thông tin ạ.",
    "Dạ em hiểu rồi ạ để em kiểm tra ngay cho {kh} bây giờ ạ.",
)
INTERRUPT_CUSTOMER = (
    "Khoan đã em ơi tôi chưa nói xong mà em nghe tôi nói đã.",
    "Không phải thế em ơi ý tôi không phải như vậy đâu.",
)
LONG_AGENT = (
    "Dạ theo quy định của bên em thì yêu cầu của {kh} sẽ được chuyển sang bộ phận kỹ thuật "
    "và bộ phận này sẽ xử lý trong thời gian sớm nhất ạ",
    "Dạ hệ thống của bên em ghi nhận thuê bao của {kh} đang hoạt động bình thường và không có "
    "thông báo lỗi nào trong những ngày gần đây ạ",
)
LONG_CUSTOMER = (
    "Tôi đã dùng mạng của các em hơn mười năm nay rồi mà chưa bao giờ gặp tình trạng tệ như "
    "thế này cả",
    "Tôi đã kiểm tra rất nhiều lần và làm theo đúng hướng dẫn của tổng đài mà vẫn không được",
)

CLOSING = (
    (
        "Dạ, {kh} còn cần em hỗ trợ thêm thông tin gì nữa không ạ?",
        "Không, thế thôi em, cảm ơn em nhé.",
    ),
)
FAREWELLS = (
    "Cảm ơn anh chị đã gọi đến tổng đài {brand}, chúc anh chị một ngày tốt lành.",
    "Cảm ơn anh chị đã gọi cho {brand}, chúc anh chị một ngày vui vẻ ạ.",
)
