//! Tokenizer for the Julia subset. Tracks line numbers and whether a token
//! was preceded by whitespace (Julia is whitespace-sensitive inside `[...]`,
//! for juxtaposition and for calls).

use crate::ast::StrPart;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Int(i64),
    Float(f64),
    Float32(f32),
    Str(Vec<StrPart>),
    Char(char),
    Ident(String),
    Kw(&'static str),
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Semi,
    Newline,
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub line: u32,
    pub space_before: bool,
}

pub(crate) type LexResult<T> = Result<T, String>;

const KEYWORDS: &[&str] = &[
    "function",
    "end",
    "if",
    "elseif",
    "else",
    "while",
    "for",
    "in",
    "return",
    "break",
    "continue",
    "begin",
    "let",
    "try",
    "catch",
    "finally",
    "true",
    "false",
    "local",
    "global",
    "using",
    "import",
    "const",
    "struct",
    "mutable",
    "module",
    "macro",
    "quote",
    "do",
    "abstract",
    "primitive",
    "export",
    "isa",
];

// Longest first.
const OPS: &[&str] = &[
    ">>>=", "===", "!==", ">>>", "...", ".^=", ".+=", ".-=", ".*=", "./=", "<<=", ">>=", "//=",
    ".==", ".!=", ".<=", ".>=", ".&&", ".||", "->", "=>", "==", "!=", "<=", ">=", "&&", "||", "+=",
    "-=", "*=", "/=", "^=", "%=", "|=", "&=", "÷=", "::", "<:", ">:", "//", "<<", ">>", "|>", "<|",
    ".+", ".-", ".*", "./", ".^", ".%", ".÷", ".<", ".>", ".=", ".\\", "..", "≤", "≥", "≠", "∈",
    "∉", "÷", "⊻", "≈", "∘", "√", "+", "-", "*", "/", "\\", "^", "%", "=", "<", ">", "!", "&", "|",
    "~", "?", ":", ".", "'", "@", "$",
];

fn ops_chars() -> &'static [(&'static str, Vec<char>)] {
    static OPS_CHARS: std::sync::OnceLock<Vec<(&'static str, Vec<char>)>> =
        std::sync::OnceLock::new();
    OPS_CHARS.get_or_init(|| OPS.iter().map(|o| (*o, o.chars().collect())).collect())
}

fn is_ident_start(c: char) -> bool {
    c == '_'
        || c.is_alphabetic()
        || (c as u32 > 0x7f && !"≤≥≠∈∉÷⊻≈∘√".contains(c) && !c.is_whitespace())
}

fn is_ident_char(c: char) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == '!'
}

pub(crate) fn lex(src: &str) -> LexResult<Vec<Token>> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0usize;
    let mut line = 1u32;
    let mut out: Vec<Token> = Vec::new();
    let mut space = true;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            out.push(Token {
                tok: Tok::Newline,
                line,
                space_before: space,
            });
            line += 1;
            i += 1;
            space = true;
            continue;
        }
        if c == ' ' || c == '\t' || c == '\r' || c == '\u{a0}' {
            i += 1;
            space = true;
            continue;
        }
        if c == '#' {
            if chars.get(i + 1) == Some(&'=') {
                // nested block comment
                let mut depth = 1;
                i += 2;
                while i < chars.len() && depth > 0 {
                    if chars[i] == '#' && chars.get(i + 1) == Some(&'=') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '=' && chars.get(i + 1) == Some(&'#') {
                        depth -= 1;
                        i += 2;
                    } else {
                        if chars[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
                if depth > 0 {
                    return Err("incomplete: unterminated multi-line comment #= ... =#".into());
                }
            } else {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            space = true;
            continue;
        }
        let start_line = line;
        let sb = space;
        space = false;
        let push = |out: &mut Vec<Token>, t: Tok| {
            out.push(Token {
                tok: t,
                line: start_line,
                space_before: sb,
            })
        };
        // numbers
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let (tok, ni) = lex_number(&chars, i)?;
            i = ni;
            push(&mut out, tok);
            continue;
        }
        if is_ident_start(c) {
            let st = i;
            while i < chars.len() && is_ident_char(chars[i]) {
                // `!=` after an identifier is an operator, not part of the name
                if chars[i] == '!' && chars.get(i + 1) == Some(&'=') {
                    break;
                }
                i += 1;
            }
            let w: String = chars[st..i].iter().collect();
            if let Some(k) = KEYWORDS.iter().find(|k| **k == w) {
                push(&mut out, Tok::Kw(k));
            } else {
                push(&mut out, Tok::Ident(w));
            }
            continue;
        }
        if c == '"' {
            let (parts, ni, nl) = lex_string(&chars, i)?;
            line += nl;
            i = ni;
            push(&mut out, Tok::Str(parts));
            continue;
        }
        if c == '\'' {
            // adjoint if directly after an operand
            let adjoint = !sb
                && matches!(
                    out.last().map(|t| &t.tok),
                    Some(
                        Tok::Ident(_)
                            | Tok::RParen
                            | Tok::RBracket
                            | Tok::Int(_)
                            | Tok::Float(_)
                            | Tok::Op("'")
                    )
                );
            if adjoint {
                i += 1;
                push(&mut out, Tok::Op("'"));
                continue;
            }
            let (ch, ni) = lex_char(&chars, i)?;
            i = ni;
            push(&mut out, Tok::Char(ch));
            continue;
        }
        match c {
            '(' => push(&mut out, Tok::LParen),
            ')' => push(&mut out, Tok::RParen),
            '[' => push(&mut out, Tok::LBracket),
            ']' => push(&mut out, Tok::RBracket),
            '{' => push(&mut out, Tok::LBrace),
            '}' => push(&mut out, Tok::RBrace),
            ',' => push(&mut out, Tok::Comma),
            ';' => push(&mut out, Tok::Semi),
            _ => {
                let mut found = None;
                for (op, oc) in ops_chars() {
                    if oc[0] == c && chars.len() >= i + oc.len() && chars[i..i + oc.len()] == oc[..]
                    {
                        found = Some((*op, oc.len()));
                        break;
                    }
                }
                match found {
                    Some((op, n)) => {
                        i += n;
                        push(&mut out, Tok::Op(op));
                        continue;
                    }
                    None => return Err(format!("invalid character \"{c}\" near column {}", i + 1)),
                }
            }
        }
        i += 1;
    }
    out.push(Token {
        tok: Tok::Eof,
        line,
        space_before: true,
    });
    Ok(out)
}

fn lex_number(chars: &[char], mut i: usize) -> LexResult<(Tok, usize)> {
    let st = i;
    if chars[i] == '0' && matches!(chars.get(i + 1), Some('x') | Some('b') | Some('o')) {
        let radix = match chars[i + 1] {
            'x' => 16,
            'b' => 2,
            _ => 8,
        };
        i += 2;
        let mut digits = String::new();
        while i < chars.len() && (chars[i].is_digit(radix) || chars[i] == '_') {
            if chars[i] != '_' {
                digits.push(chars[i]);
            }
            i += 1;
        }
        if digits.is_empty() {
            return Err(format!(
                "invalid numeric constant \"{}\"",
                chars[st..i].iter().collect::<String>()
            ));
        }
        // Julia's 0x/0b/0o literals are unsigned (`0xff` is a UInt8 printing `0xff`, the type
        // widening with the digit count); julia-lite has no unsigned integers, so it refuses
        // them rather than answer with an Int64
        return Err(format!(
            "unsupported syntax: unsigned integer literals (0x…, 0b…, 0o…) are not supported by julia-lite (`{}` would be a UInt); use a decimal Int",
            chars[st..i].iter().collect::<String>()
        ));
    }
    let mut s = String::new();
    let mut is_float = false;
    while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '_') {
        if chars[i] != '_' {
            s.push(chars[i]);
        }
        i += 1;
    }
    // decimal point: not if followed by another '.' (range `1..2`) or an operator-dot like `1.+x`
    if i < chars.len() && chars[i] == '.' && chars.get(i + 1) != Some(&'.') {
        let next = chars.get(i + 1).copied();
        let dot_op = matches!(
            next,
            Some('+' | '-' | '*' | '/' | '^' | '=' | '<' | '>' | '%' | '÷' | '!' | '&' | '|')
        );
        let ident_after = next.is_some_and(|c| is_ident_start(c) && c != 'e' && c != 'f');
        if !dot_op && !ident_after {
            is_float = true;
            s.push('.');
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '_') {
                if chars[i] != '_' {
                    s.push(chars[i]);
                }
                i += 1;
            }
        }
    }
    let mut is_f32 = false;
    if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E' || chars[i] == 'f') {
        let f_exp = chars[i] == 'f';
        let mut j = i + 1;
        if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
            j += 1;
        }
        if j < chars.len() && chars[j].is_ascii_digit() {
            is_float = true;
            is_f32 = f_exp;
            s.push('e');
            s.extend(chars[i + 1..j].iter());
            i = j;
            while i < chars.len() && chars[i].is_ascii_digit() {
                s.push(chars[i]);
                i += 1;
            }
        }
    }
    if is_f32 {
        let v: f32 = s
            .parse()
            .map_err(|_| format!("invalid numeric constant \"{s}\""))?;
        return Ok((Tok::Float32(v), i));
    }
    if is_float {
        let v: f64 = s
            .parse()
            .map_err(|_| format!("invalid numeric constant \"{s}\""))?;
        Ok((Tok::Float(v), i))
    } else {
        match s.parse::<i64>() {
            Ok(v) => Ok((Tok::Int(v), i)),
            Err(_) => Err(format!(
                "integer literal {s} is too large (Int128/BigInt are not supported)"
            )),
        }
    }
}

fn escape(chars: &[char], i: &mut usize) -> LexResult<char> {
    // chars[*i] is the char after the backslash
    let c = *chars
        .get(*i)
        .ok_or("incomplete: invalid escape at end of input")?;
    *i += 1;
    Ok(match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'v' => '\x0b',
        'e' => '\x1b',
        '\\' => '\\',
        '"' => '"',
        '\'' => '\'',
        '$' => '$',
        'x' | 'u' | 'U' => {
            let max = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let mut v = 0u32;
            let mut n = 0;
            while n < max && *i < chars.len() && chars[*i].is_ascii_hexdigit() {
                v = v * 16 + chars[*i].to_digit(16).unwrap_or(0);
                *i += 1;
                n += 1;
            }
            if n == 0 {
                return Err(format!("invalid escape sequence \\{c}"));
            }
            char::from_u32(v).ok_or_else(|| format!("invalid unicode escape \\{c}{v:x}"))?
        }
        other => return Err(format!("invalid escape sequence \\{other}")),
    })
}

fn lex_string(chars: &[char], mut i: usize) -> LexResult<(Vec<StrPart>, usize, u32)> {
    let triple = chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'"');
    i += if triple { 3 } else { 1 };
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut nl = 0;
    loop {
        let Some(&c) = chars.get(i) else {
            return Err("incomplete: unterminated string literal".into());
        };
        if c == '"' {
            if !triple {
                i += 1;
                break;
            }
            if chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'"') {
                i += 3;
                break;
            }
        }
        if c == '\\' {
            i += 1;
            if chars.get(i) == Some(&'\n') {
                i += 1;
                nl += 1;
                continue;
            }
            cur.push(escape(chars, &mut i)?);
            continue;
        }
        if c == '$' {
            i += 1;
            if chars.get(i) == Some(&'(') {
                // find matching paren, respecting nested strings roughly
                let st = i + 1;
                let mut depth = 1;
                let mut j = st;
                let mut in_str = false;
                while j < chars.len() {
                    let d = chars[j];
                    if in_str {
                        if d == '\\' {
                            j += 1;
                        } else if d == '"' {
                            in_str = false;
                        }
                    } else if d == '"' {
                        in_str = true;
                    } else if d == '(' {
                        depth += 1;
                    } else if d == ')' {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    j += 1;
                }
                if depth != 0 {
                    return Err("incomplete: unterminated string interpolation".into());
                }
                if !cur.is_empty() {
                    parts.push(StrPart::Lit(std::mem::take(&mut cur)));
                }
                let code: String = chars[st..j].iter().collect();
                nl += code.matches('\n').count() as u32;
                parts.push(StrPart::Code(code));
                i = j + 1;
                continue;
            }
            if chars.get(i).is_some_and(|c| is_ident_start(*c)) {
                let st = i;
                while i < chars.len() && is_ident_char(chars[i]) && chars[i] != '!' {
                    i += 1;
                }
                if !cur.is_empty() {
                    parts.push(StrPart::Lit(std::mem::take(&mut cur)));
                }
                parts.push(StrPart::Code(chars[st..i].iter().collect()));
                continue;
            }
            return Err("syntax: invalid interpolation syntax: \"$\"".into());
        }
        if c == '\n' {
            nl += 1;
        }
        cur.push(c);
        i += 1;
    }
    if triple {
        // drop a leading newline (Julia does) -- indentation stripping is not implemented
        if let Some(StrPart::Lit(s)) = parts.first_mut().or(None) {
            if s.starts_with('\n') {
                s.remove(0);
            }
        } else if parts.is_empty() && cur.starts_with('\n') {
            cur.remove(0);
        }
    }
    if !cur.is_empty() || parts.is_empty() {
        parts.push(StrPart::Lit(cur));
    }
    Ok((parts, i, nl))
}

fn lex_char(chars: &[char], mut i: usize) -> LexResult<(char, usize)> {
    i += 1;
    let c = *chars
        .get(i)
        .ok_or("incomplete: unterminated character literal")?;
    let ch = if c == '\\' {
        i += 1;
        escape(chars, &mut i)?
    } else {
        i += 1;
        c
    };
    if chars.get(i) != Some(&'\'') {
        return Err("syntax: invalid character literal".into());
    }
    Ok((ch, i + 1))
}
