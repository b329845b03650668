"""Every label of the report, in Vietnamese (default) and English: one table.

Names of the default CEMI journey (touchpoints, stages, phases, services, KPIs), bands,
aspects and the page's own words. A name that is not in the table (a custom configuration's
touchpoint, an unknown aspect) is shown as the configuration writes it, with ``_`` as spaces.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LANGS", "Labels", "labels"]

LANGS = ("vi", "en")

_TEXT: dict[str, tuple[str, str]] = {
    "title": ("Báo cáo trải nghiệm khách hàng", "Customer experience report"),
    "records": ("bản ghi", "records"),
    "generated": ("tạo lúc", "generated"),
    "period": ("Kỳ", "Period"),
    "previous": ("kỳ trước", "previous period"),
    "no_previous": ("không có dữ liệu kỳ trước", "no data in the previous period"),
    "no_data": ("chưa có dữ liệu", "no data"),
    "kpis": ("Chỉ số CX của kỳ", "CX KPIs of the period"),
    "kpis_note": ("Toàn mạng, mọi bản ghi của kỳ; n = số bản ghi đo được; thay đổi so với {prev}.",
                  "Network-wide, every record of the period; n = records measured; change against {prev}."),
    "cemi": ("Chỉ số CEMI", "CEMI index"),
    "cemi_note": ("Trọng số cấu hình → trọng số hiệu lực (sau khi phân bổ lại trọng số của chỉ số không có dữ liệu); "
                  "độ phủ = phần trọng số cấu hình có dữ liệu; n = số bản ghi.",
                  "Configured weight → effective weight (after the weight of KPIs without data is "
                  "redistributed); coverage = share of the configured weight that had data; n = records."),
    "expand": ("mở tất cả", "expand all"),
    "collapse": ("thu gọn", "collapse all"),
    "weight": ("trọng số", "weight"),
    "effective": ("hiệu lực", "effective"),
    "coverage": ("độ phủ", "coverage"),
    "points": ("điểm", "points"),
    "heatmap": ("Điểm CEMI theo dịch vụ × điểm chạm", "CEMI points by service × touchpoint"),
    "heatmap_note": ("Ô xám: không có dữ liệu. Đơn vị:", "Grey cell: no data. Unit:"),
    "pain": ("Điểm đau ưu tiên", "Top pain points"),
    "unit": ("Đơn vị", "Unit"),
    "service": ("Dịch vụ", "Service"),
    "touchpoint": ("Điểm chạm", "Touchpoint"),
    "kpi": ("Chỉ số", "KPI"),
    "below": ("Thấp hơn", "Below"),
    "reference": ("Tham chiếu", "Reference"),
    "weighted_gap": ("Khoảng cách có trọng số", "Weighted gap"),
    "whole_touchpoint": ("(cả điểm chạm)", "(whole touchpoint)"),
    "basis_target": ("mục tiêu", "target"),
    "basis_network": ("trung bình toàn mạng", "network average"),
    "basis_previous": ("kỳ trước", "previous period"),
    "social": ("Mạng xã hội theo thương hiệu", "Social media by brand"),
    "social_note": ("Tỷ lệ tích cực / trung lập / tiêu cực, n = số bài đề cập.",
                    "Positive / neutral / negative shares, n = mentions."),
    "positive": ("tích cực", "positive"),
    "neutral": ("trung lập", "neutral"),
    "negative": ("tiêu cực", "negative"),
    "brand": ("Thương hiệu", "Brand"),
    "mentions": ("Lượt đề cập", "Mentions"),
    "top_aspects": ("Khía cạnh nổi bật", "Top aspects"),
    "samples": ("Bài đăng mẫu", "Sample posts"),
    "samples_note": ("Văn bản đã che thông tin cá nhân.", "Text is PII-masked."),
    "open": ("mở", "open"),
    "volume": ("Lượt đề cập mỗi ngày", "Mentions per day"),
    "volume_note": ("▲ đột biến so với mức nền.", "▲ spike against the baseline."),
    "net_sentiment_7d": ("Cảm xúc ròng (7 ngày trượt, ≥ {n} đề cập)", "Net sentiment (7-day rolling, ≥ {n} mentions)"),
    "sov": ("Thị phần thảo luận", "Share of voice"),
    "qa": ("Phân bố điểm QA cuộc gọi", "QA score distribution"),
    "calls": ("cuộc gọi", "calls"),
    "calls_per_band": ("số cuộc gọi theo khoảng điểm QA", "calls per QA score band"),
    "escalation": ("Tỷ lệ cuộc gọi khách hàng bức xúc theo ngày", "Calls with customer escalation by day"),
    "escalation_note": ("Nhãn: số cuộc bức xúc / số cuộc gọi; ngày không có cuộc gọi để trống; "
                        "cột nhạt khi ít hơn {n} cuộc gọi.",
                        "Labels: escalated / calls; days without calls are left empty; faint bars "
                        "under {n} calls."),
    "agents": ("Chất lượng theo điện thoại viên", "QA by agent"),
    "agents_note": ("Mã điện thoại viên là bí danh (băm có muối); ánh xạ tên bằng --agents-map.",
                    "Agent ids are pseudonyms (salted hashes); map them to names with --agents-map."),
    "agent": ("Điện thoại viên", "Agent"),
    "qa_mean": ("Điểm QA TB", "Mean QA"),
    "qa_pass": ("Đạt QA", "QA passed"),
    "escalated": ("Bức xúc", "Escalated"),
    "agent_talk": ("Tỷ lệ nói của ĐTV", "Agent talk share"),
    "drill": ("Chi tiết một cuộc gọi", "One call in detail"),
    "arousal": ("mức kích động", "arousal"),
    "valence": ("cảm xúc (valence)", "valence"),
    "threshold": ("ngưỡng bức xúc {t}", "escalation threshold {t}"),
    "escalation_event": ("bức xúc", "escalation"),
    "timeline": ("Diễn biến cảm xúc khách hàng", "Customer emotion over the call"),
    "no_timeline": ("Cuộc gọi này không có diễn biến cảm xúc theo đoạn.", "This call has no per-segment emotion timeline."),
    "no_call": ("Không có cuộc gọi nào có dữ liệu cảm xúc.", "No call with emotion in the store."),
    "transcript": ("Bản ghi lời thoại", "Transcript"),
    "no_transcript": ("Không có bản ghi lời thoại.", "No transcript."),
    "qa_evidence": ("Tiêu chí QA và bằng chứng", "QA criteria and evidence"),
    "criterion": ("Tiêu chí", "Criterion"),
    "result": ("Kết quả", "Result"),
    "evidence": ("Bằng chứng (giây)", "Evidence (s)"),
    "reason": ("Lý do", "Reason"),
    "pass": ("đạt", "pass"),
    "fail": ("không đạt", "fail"),
    "na": ("không áp dụng", "n/a"),
    "spikes": ("Cảnh báo đột biến", "Spike alerts"),
    "metric": ("Chỉ số", "Metric"),
    "from": ("Từ", "From"),
    "observed": ("Quan sát", "Observed"),
    "expected": ("Kỳ vọng", "Expected"),
    "count": ("Số lượng", "Count"),
    "none": ("không có", "none"),
    "speaker_agent": ("ĐTV", "Agent"),
    "speaker_customer": ("KH", "Customer"),
    "seconds": ("giây", "s"),
    "pp": ("điểm %", "pp"),
    "n_calls": ("n = số cuộc gọi", "n = calls"),
    "day": ("ngày", "day"),
    "sources": ("nguồn", "sources"),
    "source_call": ("cuộc gọi", "calls"),
    "source_social": ("mạng xã hội", "social"),
    "source_survey": ("khảo sát", "surveys"),
    "source_ticket": ("yêu cầu", "tickets"),
    "source_chat": ("chat", "chats"),
}  # fmt: skip

_KPIS: dict[str, tuple[str, str]] = {
    "csat": ("CSAT (% hài lòng)", "CSAT (% satisfied)"),
    "nps": ("NPS", "NPS"),
    "ces": ("CES (nỗ lực 1–7)", "CES (effort 1–7)"),
    "ttr": ("Thời gian xử lý (giờ)", "Time to resolve (h)"),
    "churn": ("Tỷ lệ rời mạng", "Churn rate"),
    "net_sentiment": ("Cảm xúc ròng", "Net sentiment"),
    "escalation_rate": ("Tỷ lệ cuộc gọi bức xúc", "Escalation rate"),
    "qa_pass_rate": ("Tỷ lệ đạt QA", "QA pass rate"),
    "action_closure": ("Hành động khắc phục đúng hạn", "Pain-point actions closed on time"),
    "share_of_voice": ("Thị phần thảo luận", "Share of voice"),
    "mentions": ("Lượt đề cập", "Mentions"),
}
_SERVICES: dict[str, tuple[str, str]] = {
    "mobile": ("Di động", "Mobile"),
    "fixed_broadband": ("Băng rộng cố định", "Fixed broadband"),
    "iptv": ("Truyền hình IPTV", "IPTV"),
    "personal_digital": ("Dịch vụ số cá nhân", "Personal digital services"),
    "enterprise_digital": ("Dịch vụ số doanh nghiệp", "Enterprise digital services"),
}
_TOUCHPOINTS: dict[int, tuple[str, str]] = {
    1: ("Nhận biết", "Observe"), 2: ("Tìm hiểu và phản hồi", "Search and feedback"),
    3: ("So sánh, tư vấn tại cửa hàng", "Compare offers / consult in store"),
    4: ("Đăng ký dịch vụ", "Register or subscribe"), 5: ("Hợp đồng và thanh toán đầu", "Contract and first payment"),
    6: ("Lắp đặt, kích hoạt", "Install or activate"), 7: ("Hướng dẫn sử dụng", "First-use guidance"),
    8: ("Chất lượng dịch vụ", "Service quality in use"), 9: ("Tự phục vụ số", "Digital self-service"),
    10: ("Hóa đơn và cước", "Bill and charges"), 11: ("Thanh toán, nạp tiền", "Payment and top-up"),
    12: ("Liên hệ tổng đài CSKH", "Contact the care center"), 13: ("Báo hỏng và sửa chữa", "Fault report and repair"),
    14: ("Giải quyết khiếu nại", "Complaint handling"),
    15: ("Khách hàng thân thiết, nâng cấp, gia hạn", "Loyalty programmes, upgrades, renewals"),
    16: ("Rời mạng", "Leave"),
}  # fmt: skip
_BANDS: dict[str, tuple[str, str]] = {
    "Poor": ("Kém", "Poor"), "Average": ("Trung bình", "Average"), "Fair": ("Khá", "Fair"),
    "Good": ("Tốt", "Good"), "Excellent": ("Xuất sắc", "Excellent"),
}  # fmt: skip
_ASPECTS: dict[str, tuple[str, str]] = {
    "network_coverage": ("vùng phủ sóng", "network coverage"),
    "network_quality": ("chất lượng mạng", "network quality"),
    "data_speed": ("tốc độ data", "data speed"),
    "price_package": ("giá gói cước", "price and packages"),
    "price": ("giá cước", "price"),
    "billing": ("hóa đơn, cước", "billing"),
    "customer_service": ("chăm sóc khách hàng", "customer service"),
    "installation_support": ("lắp đặt, hỗ trợ kỹ thuật", "installation and support"),
    "promotion": ("khuyến mãi", "promotions"),
    "digital_app": ("ứng dụng số", "digital app"),
    "power_outage": ("mất điện", "power outage"),
}
_STAGES: dict[str, tuple[str, str]] = {
    "awareness": ("Nhận biết", "Awareness"), "consider": ("Cân nhắc", "Consider"),
    "purchase": ("Mua", "Purchase"), "onboard": ("Bắt đầu dùng", "Onboard"), "use": ("Sử dụng", "Use"),
    "pay": ("Thanh toán", "Pay"), "support": ("Hỗ trợ", "Support"), "loyalty": ("Gắn bó", "Loyalty"),
    "exit": ("Rời đi", "Exit"),
}  # fmt: skip


def _readable(name: str) -> str:
    return str(name).replace("_", " ")


class Labels:
    """Look-ups of one language; unknown names fall back to the configuration's own."""

    def __init__(self, lang: str = "vi") -> None:
        if lang not in LANGS:
            from ..errors import ValidationError

            raise ValidationError(f"lang={lang!r} is not supported; use one of {', '.join(LANGS)}")
        self.lang = lang
        self._i = LANGS.index(lang)

    def __call__(self, key: str, **fmt: Any) -> str:
        text = _TEXT[key][self._i]
        return text.format(**fmt) if fmt else text

    def kpi(self, kpi: str, fallback: str | None = None) -> str:
        return _KPIS[kpi][self._i] if kpi in _KPIS else fallback or _readable(kpi)

    def service(self, sid: str, fallback: str | None = None) -> str:
        """The service's name; a configuration's own name wins over the default table's."""
        if sid in _SERVICES and fallback in (None, _SERVICES[sid][1]):
            return _SERVICES[sid][self._i]
        return fallback or _readable(sid)

    def touchpoint(self, tp: int, fallback: str | None = None) -> str:
        """ "12. Liên hệ tổng đài CSKH"; a configuration's own name wins over the default's."""
        if tp in _TOUCHPOINTS and fallback in (None, _TOUCHPOINTS[tp][1]):
            return f"{tp}. {_TOUCHPOINTS[tp][self._i]}"
        return f"{tp}. {fallback or tp}"

    def stage(self, sid: str) -> str:
        return _STAGES[sid][self._i] if sid in _STAGES else _readable(sid)

    def band(self, band: str | None) -> str:
        if band is None:
            return self("no_data")
        return _BANDS[band][self._i] if band in _BANDS else band

    def aspect(self, aspect: str) -> str:
        return _ASPECTS[aspect][self._i] if aspect in _ASPECTS else _readable(aspect)

    def source(self, source: str) -> str:
        key = f"source_{source}"
        return self(key) if key in _TEXT else source


def labels(lang: str = "vi") -> Labels:
    """The label table of ``lang`` (``vi`` or ``en``)."""
    return Labels(lang)
