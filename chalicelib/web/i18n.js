// UI strings (German first, English second) and locale-aware formatting in Europe/Berlin.

const STORAGE_KEY = "krisenradar.lang";
const TIME_ZONE = "Europe/Berlin";
const LOCALES = { de: "de-DE", en: "en-GB" };

const STRINGS = {
  de: {
    "app.title": "Krisenradar",
    "app.tagline": "Lagezentrum Social Media",
    "skip": "Zum Inhalt springen",
    "nav.label": "Hauptnavigation",
    "nav.incidents": "Vorfälle",
    "nav.alerts": "Alarme",
    "nav.mentions": "Erwähnungen",
    "lang.switch": "English",
    "lang.switchLabel": "Switch to English",
    "logout": "Abmelden",
    "footer.tz": "Alle Zeiten in Europe/Berlin.",
    "login.title": "Anmelden",
    "login.intro": "Geben Sie Ihren API-Schlüssel ein. Er bleibt nur in diesem Browser-Tab gespeichert.",
    "login.key": "API-Schlüssel",
    "login.submit": "Anmelden",
    "login.checking": "Schlüssel wird geprüft …",
    "login.invalid": "Der Schlüssel wurde nicht akzeptiert.",
    "login.expired": "Ihre Sitzung ist abgelaufen oder der Schlüssel ist ungültig. Bitte erneut anmelden.",
    "login.empty": "Bitte einen API-Schlüssel eingeben.",
    "loading": "Wird geladen …",
    "refresh.updated": "Aktualisiert um {time}",
    "refresh.auto": "Automatische Aktualisierung alle 10 s",
    "refresh.announce": "{open} offen, unbestätigt. {total} Vorfälle angezeigt.",
    "refresh.new": "Neuer Vorfall: {title}",
    "more": "Mehr laden",
    "filter.all": "Alle",
    "filter.apply": "Anzeigen",
    "filter.status": "Status",
    "filter.severity": "Schweregrad",
    "filter.brand": "Marke",
    "filter.period": "Zeitraum",
    "period.1h": "Letzte Stunde",
    "period.6h": "Letzte 6 Stunden",
    "period.24h": "Letzte 24 Stunden",
    "period.72h": "Letzte 3 Tage",
    "period.168h": "Letzte 7 Tage",
    "status.open": "Offen",
    "status.acknowledged": "Bestätigt",
    "status.resolved": "Gelöst",
    "status.pending": "Ausstehend",
    "status.sending": "Wird gesendet",
    "status.delivered": "Zugestellt",
    "incidents.title": "Vorfälle",
    "incidents.empty": "Keine Vorfälle für diese Filter.",
    "incidents.openUnacked": "seit {duration} offen, unbestätigt",
    "incidents.ackedAfter": "bestätigt nach {duration}",
    "incidents.resolvedAfter": "gelöst nach {duration}",
    "incidents.opened": "Eröffnet",
    "incidents.count": "{count} angezeigt",
    "incident.back": "Zurück zu den Vorfällen",
    "incident.reasons": "Auslöser",
    "incident.statistics": "Statistik",
    "signal.volume": "Menge",
    "signal.negative_share": "Negativer Anteil",
    "signal.risk_terms": "Risikobegriffe",
    "signal.high_reach": "Reichweite",
    "signal.velocity": "Tempo",
    "signal.firestorm_language": "Tonfall",
    "incident.facts": "Eckdaten",
    "incident.brand": "Marke",
    "incident.topic": "Thema",
    "incident.openedAt": "Eröffnet",
    "incident.detectedAt": "Erkannt",
    "incident.acknowledgedAt": "Bestätigt",
    "incident.resolvedAt": "Gelöst",
    "incident.by": "von {actor}",
    "incident.ttd": "Zeit bis Erkennung",
    "incident.tta": "Zeit bis Bestätigung",
    "incident.ttr": "Zeit bis Lösung",
    "incident.actions": "Reaktion",
    "incident.note": "Notiz (optional)",
    "incident.noteHint": "Wird in der Zeitleiste gespeichert.",
    "incident.acknowledge": "Bestätigen",
    "incident.resolve": "Lösen",
    "incident.acknowledged": "Vorfall bestätigt.",
    "incident.resolvedDone": "Vorfall gelöst.",
    "incident.timeline": "Zeitleiste",
    "incident.timelineEmpty": "Noch keine Einträge.",
    "incident.mentions": "Wichtigste Erwähnungen",
    "incident.mentionsEmpty": "Keine Erwähnungen im Zeitfenster.",
    "incident.alerts": "Alarmzustellungen",
    "incident.alertsEmpty": "Keine Alarme zu diesem Vorfall.",
    "kind.detected": "Erkannt",
    "kind.severity_raised": "Schweregrad erhöht",
    "kind.acknowledged": "Bestätigt",
    "kind.resolved": "Gelöst",
    "kind.escalated": "Eskaliert",
    "kind.note": "Notiz",
    "alerts.title": "Alarme",
    "alerts.empty": "Keine Alarme.",
    "alerts.created": "Erstellt",
    "alerts.severity": "Schwere",
    "alerts.event": "Ereignis",
    "alerts.channel": "Kanal",
    "alerts.recipient": "Empfänger",
    "alerts.status": "Status",
    "alerts.attempts": "Versuche",
    "alerts.subject": "Betreff",
    "alerts.incident": "Vorfall",
    "alerts.deliveredAt": "zugestellt {time}",
    "alerts.lastError": "Letzter Fehler: {error}",
    "alerts.body": "Nachricht anzeigen",
    "channel.sms": "SMS",
    "channel.email": "E-Mail",
    "event.incident_opened": "Neue Krise erkannt",
    "event.severity_raised": "Schweregrad erhöht",
    "event.escalation": "Eskalation",
    "mentions.title": "Erwähnungen",
    "mentions.empty": "Keine Erwähnungen in diesem Zeitraum.",
    "mentions.reach": "Reichweite {reach}",
    "mentions.followers": "{count} Follower",
    "mentions.media": "Medium",
    "mentions.lang": "Sprache: {lang}",
    "mentions.risk": "Risikobegriffe",
    "mentions.topics": "Themen",
    "mentions.open": "Original öffnen",
    "mentions.unknownAuthor": "unbekannt",
    "mentions.brandRequired": "Bitte eine Marke angeben.",
    "sentiment.negative": "negativ",
    "sentiment.neutral": "neutral",
    "sentiment.positive": "positiv",
    "sentiment.label": "Stimmung: {sentiment} ({score})",
    "error.title": "Fehler",
    "error.network": "Der Server ist nicht erreichbar. Bitte Verbindung prüfen.",
    "error.unauthorized": "Nicht angemeldet",
    "error.forbidden": "Keine Berechtigung – Ihrer Rolle fehlt das Recht für diese Aktion.",
    "error.not_found": "Nicht gefunden",
    "error.conflict": "Konflikt – der Vorfall wurde inzwischen geändert.",
    "error.invalid_input": "Ungültige Eingabe",
    "error.generic": "Die Anfrage ist fehlgeschlagen (HTTP {status}).",
    "error.dismiss": "Meldung schließen",
    "duration.s": "{n} s",
    "duration.m": "{n} Min",
    "duration.hm": "{h} Std {m} Min",
    "duration.dh": "{d} T {h} Std",
    "none": "–",
  },
  en: {
    "app.title": "Krisenradar",
    "app.tagline": "Social media response desk",
    "skip": "Skip to content",
    "nav.label": "Main navigation",
    "nav.incidents": "Incidents",
    "nav.alerts": "Alerts",
    "nav.mentions": "Mentions",
    "lang.switch": "Deutsch",
    "lang.switchLabel": "Auf Deutsch umschalten",
    "logout": "Sign out",
    "footer.tz": "All times in Europe/Berlin.",
    "login.title": "Sign in",
    "login.intro": "Enter your API key. It is kept only in this browser tab.",
    "login.key": "API key",
    "login.submit": "Sign in",
    "login.checking": "Checking key …",
    "login.invalid": "The key was not accepted.",
    "login.expired": "Your session expired or the key is invalid. Please sign in again.",
    "login.empty": "Please enter an API key.",
    "loading": "Loading …",
    "refresh.updated": "Updated at {time}",
    "refresh.auto": "Refreshes automatically every 10 s",
    "refresh.announce": "{open} open, unacknowledged. {total} incidents shown.",
    "refresh.new": "New incident: {title}",
    "more": "Load more",
    "filter.all": "All",
    "filter.apply": "Show",
    "filter.status": "Status",
    "filter.severity": "Severity",
    "filter.brand": "Brand",
    "filter.period": "Period",
    "period.1h": "Last hour",
    "period.6h": "Last 6 hours",
    "period.24h": "Last 24 hours",
    "period.72h": "Last 3 days",
    "period.168h": "Last 7 days",
    "status.open": "Open",
    "status.acknowledged": "Acknowledged",
    "status.resolved": "Resolved",
    "status.pending": "Pending",
    "status.sending": "Sending",
    "status.delivered": "Delivered",
    "incidents.title": "Incidents",
    "incidents.empty": "No incidents match these filters.",
    "incidents.openUnacked": "open for {duration}, unacknowledged",
    "incidents.ackedAfter": "acknowledged after {duration}",
    "incidents.resolvedAfter": "resolved after {duration}",
    "incidents.opened": "Opened",
    "incidents.count": "{count} shown",
    "incident.back": "Back to incidents",
    "incident.reasons": "Triggers",
    "incident.statistics": "Statistics",
    "signal.volume": "Volume",
    "signal.negative_share": "Negative share",
    "signal.risk_terms": "Risk terms",
    "signal.high_reach": "Reach",
    "signal.velocity": "Pace",
    "signal.firestorm_language": "Tone",
    "incident.facts": "Key facts",
    "incident.brand": "Brand",
    "incident.topic": "Topic",
    "incident.openedAt": "Opened",
    "incident.detectedAt": "Detected",
    "incident.acknowledgedAt": "Acknowledged",
    "incident.resolvedAt": "Resolved",
    "incident.by": "by {actor}",
    "incident.ttd": "Time to detect",
    "incident.tta": "Time to acknowledge",
    "incident.ttr": "Time to resolve",
    "incident.actions": "Response",
    "incident.note": "Note (optional)",
    "incident.noteHint": "Saved to the timeline.",
    "incident.acknowledge": "Acknowledge",
    "incident.resolve": "Resolve",
    "incident.acknowledged": "Incident acknowledged.",
    "incident.resolvedDone": "Incident resolved.",
    "incident.timeline": "Timeline",
    "incident.timelineEmpty": "No entries yet.",
    "incident.mentions": "Top mentions",
    "incident.mentionsEmpty": "No mentions in the window.",
    "incident.alerts": "Alert deliveries",
    "incident.alertsEmpty": "No alerts for this incident.",
    "kind.detected": "Detected",
    "kind.severity_raised": "Severity raised",
    "kind.acknowledged": "Acknowledged",
    "kind.resolved": "Resolved",
    "kind.escalated": "Escalated",
    "kind.note": "Note",
    "alerts.title": "Alerts",
    "alerts.empty": "No alerts.",
    "alerts.created": "Created",
    "alerts.severity": "Severity",
    "alerts.event": "Event",
    "alerts.channel": "Channel",
    "alerts.recipient": "Recipient",
    "alerts.status": "Status",
    "alerts.attempts": "Attempts",
    "alerts.subject": "Subject",
    "alerts.incident": "Incident",
    "alerts.deliveredAt": "delivered {time}",
    "alerts.lastError": "Last error: {error}",
    "alerts.body": "Show message",
    "channel.sms": "SMS",
    "channel.email": "Email",
    "event.incident_opened": "New crisis detected",
    "event.severity_raised": "Severity raised",
    "event.escalation": "Escalation",
    "mentions.title": "Mentions",
    "mentions.empty": "No mentions in this period.",
    "mentions.reach": "Reach {reach}",
    "mentions.followers": "{count} followers",
    "mentions.media": "Media",
    "mentions.lang": "Language: {lang}",
    "mentions.risk": "Risk terms",
    "mentions.topics": "Topics",
    "mentions.open": "Open original",
    "mentions.unknownAuthor": "unknown",
    "mentions.brandRequired": "Please enter a brand.",
    "sentiment.negative": "negative",
    "sentiment.neutral": "neutral",
    "sentiment.positive": "positive",
    "sentiment.label": "Sentiment: {sentiment} ({score})",
    "error.title": "Error",
    "error.network": "The server cannot be reached. Please check the connection.",
    "error.unauthorized": "Not signed in",
    "error.forbidden": "Not allowed – your role lacks the permission for this action.",
    "error.not_found": "Not found",
    "error.conflict": "Conflict – the incident has changed in the meantime.",
    "error.invalid_input": "Invalid input",
    "error.generic": "The request failed (HTTP {status}).",
    "error.dismiss": "Dismiss message",
    "duration.s": "{n} s",
    "duration.m": "{n} min",
    "duration.hm": "{h} h {m} min",
    "duration.dh": "{d} d {h} h",
    "none": "–",
  },
};

let current = readStoredLanguage();

function readStoredLanguage() {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return stored in STRINGS ? stored : "de";
  } catch {
    return "de";
  }
}

export function language() {
  return current;
}

export function setLanguage(lang) {
  current = lang in STRINGS ? lang : "de";
  try {
    window.localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // Storage may be disabled; the choice then lasts for this page only.
  }
  document.documentElement.lang = current;
}

export function has(key) {
  return key in STRINGS[current];
}

export function t(key, params = {}) {
  const template = STRINGS[current][key] ?? STRINGS.de[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

/** Fill every element marked with data-i18n (text) or data-i18n-label (aria-label). */
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
}

function parse(value) {
  if (!value) return null;
  const moment = value instanceof Date ? value : new Date(value);
  return Number.isNaN(moment.getTime()) ? null : moment;
}

export function formatDateTime(value) {
  const moment = parse(value);
  if (!moment) return t("none");
  return new Intl.DateTimeFormat(LOCALES[current], {
    timeZone: TIME_ZONE,
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(moment);
}

export function formatTime(value) {
  const moment = parse(value);
  if (!moment) return t("none");
  return new Intl.DateTimeFormat(LOCALES[current], {
    timeZone: TIME_ZONE,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).format(moment);
}

export function formatNumber(value) {
  if (value === null || value === undefined) return t("none");
  return new Intl.NumberFormat(LOCALES[current]).format(value);
}

export function formatScore(value) {
  if (value === null || value === undefined) return t("none");
  return new Intl.NumberFormat(LOCALES[current], { maximumFractionDigits: 2 }).format(value);
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return t("none");
  const total = Math.max(0, Math.floor(seconds));
  if (total < 60) return t("duration.s", { n: total });
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return t("duration.m", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t("duration.hm", { h: hours, m: minutes % 60 });
  return t("duration.dh", { d: Math.floor(hours / 24), h: hours % 24 });
}

export function secondsSince(value, now = Date.now()) {
  const moment = parse(value);
  return moment ? (now - moment.getTime()) / 1000 : null;
}
