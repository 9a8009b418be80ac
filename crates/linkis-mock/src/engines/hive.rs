//! Text-level SQL helpers: splitting scripts into statements, Hive → SQLite name
//! translation, Hive type names, and rendering values as Hive/Java print them.

#[derive(Clone, Copy)]
pub(crate) enum Shape {
    Plain,
    Bool,
    Decimal(usize),
}

/// How a declared (Hive) type renders values.
pub(crate) fn shape(hive: Option<&str>) -> Shape {
    match hive {
        Some("boolean") => Shape::Bool,
        Some(d) if d.starts_with("decimal") => {
            let scale = d
                .split_once(',')
                .and_then(|(_, s)| s.trim_end_matches(')').trim().parse().ok())
                .unwrap_or(0);
            Shape::Decimal(scale)
        }
        _ => Shape::Plain,
    }
}

/// Doubles as Java prints them: `9000.0`, not `9000`.
pub(crate) fn real(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        x.to_string()
    }
}

/// SQLite declared types → Hive type names.
pub(crate) fn hive_type(decl: &str) -> String {
    let d = decl.to_ascii_lowercase();
    let base = d.split('(').next().unwrap_or("").trim();
    match base {
        "integer" | "int" => "int",
        "bigint" | "long" => "bigint",
        "smallint" | "short" => "smallint",
        "tinyint" => "tinyint",
        "real" | "double" | "double precision" => "double",
        "float" => "float",
        "text" | "string" | "" => "string",
        "varchar" => return d.replace(' ', ""),
        "char" | "decimal" => return d.replace(' ', ""),
        "boolean" | "bool" => "boolean",
        "date" => "date",
        "timestamp" | "datetime" => "timestamp",
        "blob" | "binary" => "binary",
        _ => "string",
    }
    .to_string()
}

/// `default.t` → `main.t` (outside quotes).
pub(crate) fn translate(stmt: &str) -> String {
    let mut out = String::with_capacity(stmt.len());
    let mut quote: Option<char> = None;
    let chars: Vec<char> = stmt.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            out.push(c);
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            quote = Some(c);
        }
        let prev_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if !prev_ident && i + 8 <= chars.len() {
            let word: String = chars[i..i + 8].iter().collect();
            if word.eq_ignore_ascii_case("default.") {
                out.push_str("main.");
                i += 8;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

pub(crate) fn one_line(s: &str) -> String {
    let s: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 200 {
        s.chars().take(200).collect::<String>() + "…"
    } else {
        s
    }
}

/// Splits on `;` outside quotes and comments; drops statements that are only comments.
pub fn split_statements(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has_code = false;
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\'' | '"' | '`' => {
                has_code = true;
                cur.push(c);
                i += 1;
                while i < chars.len() {
                    cur.push(chars[i]);
                    i += 1;
                    if chars[i - 1] == c {
                        break;
                    }
                }
                continue;
            }
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '#' if !has_code || cur.ends_with('\n') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
                continue;
            }
            ';' => {
                if has_code {
                    out.push(cur.trim().to_string());
                }
                cur.clear();
                has_code = false;
            }
            c => {
                if !c.is_whitespace() {
                    has_code = true;
                }
                cur.push(c);
            }
        }
        i += 1;
    }
    if has_code {
        out.push(cur.trim().to_string());
    }
    out
}
