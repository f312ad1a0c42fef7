//! A [`Report`] as bytes: XLSX (one sheet for the checkpoint, one per section), CSV (one file,
//! UTF-8 with a byte-order mark, sections one after the other) or JSON.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format as XlsxFormat, Workbook, XlsxError};

use super::{Cell, CellKind, Format, Report, ReportError, Section};

/// The first sheet's name, and the labels of its rows.
pub const CHECKPOINT_SHEET: &str = "checkpoint";
pub const TREE_SIZE_LABEL: &str = "Kích thước cây / tree size";
pub const ROOT_LABEL: &str = "Gốc cây Merkle / root (base64)";
/// Money in Excel: whole đồng with thousands separators.
pub const MONEY_FORMAT: &str = "#,##0 \"đ\"";

/// # Errors
/// [`ReportError::Write`] when the encoder fails (it does not for a well-formed report).
pub fn write(report: &Report, format: Format) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Xlsx => xlsx(report).map_err(|e| ReportError::Write {
            format: "xlsx",
            detail: e.to_string(),
        }),
        Format::Csv => csv(report).map_err(|e| ReportError::Write {
            format: "csv",
            detail: e.to_string(),
        }),
        Format::Json => {
            let mut bytes = serde_json::to_vec_pretty(report).map_err(|e| ReportError::Write {
                format: "json",
                detail: e.to_string(),
            })?;
            bytes.push(b'\n');
            Ok(bytes)
        }
    }
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// The label of each witness's line in the checkpoint's head (XLSX and CSV).
pub const COSIGNED_LABEL: &str = "Nhân chứng đồng ký / cosigned by witness";

fn cosigned(cosigner: &crate::Cosigner) -> String {
    format!("{} ({})", cosigner.witness, cosigner.cosigned_at)
}

fn verification_note(report: &Report) -> String {
    format!(
        "Tính lại từ gói kiểm toán / recompute from an audit bundle: docs/reports.md (htx-ledger report {} … --checkpoint DIR/checkpoints/{}.checkpoint)",
        report.kind, report.checkpoint.tree_size
    )
}

// ---------------------------------------------------------------------------------------
// XLSX

fn xlsx(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let bold = XlsxFormat::new().set_bold();
    let italic = XlsxFormat::new().set_italic();
    let money = XlsxFormat::new().set_num_format(MONEY_FORMAT);
    let count = XlsxFormat::new().set_num_format("#,##0");
    let date = XlsxFormat::new().set_num_format("dd/mm/yyyy");
    let mut workbook = Workbook::new();

    let sheet = workbook.add_worksheet();
    sheet.set_name(CHECKPOINT_SHEET)?;
    sheet.set_column_width(0, 36)?;
    sheet.set_column_width(1, 60)?;
    let size = report.checkpoint.tree_size.to_string();
    let head = [
        ("Báo cáo / Report", report.title_vi.as_str()),
        ("", report.title_en.as_str()),
        ("Loại / kind", report.kind.as_str()),
        (TREE_SIZE_LABEL, size.as_str()),
        (ROOT_LABEL, report.checkpoint.root.as_str()),
    ];
    let mut row = 0u32;
    for (label, value) in head {
        sheet.write_string_with_format(row, 0, label, &bold)?;
        if label == TREE_SIZE_LABEL {
            sheet.write_number(row, 1, report.checkpoint.tree_size as f64)?;
        } else {
            sheet.write_string(row, 1, value)?;
        }
        row += 1;
    }
    for cosigner in &report.checkpoint.cosigned_by {
        sheet.write_string_with_format(row, 0, COSIGNED_LABEL, &bold)?;
        sheet.write_string(row, 1, cosigned(cosigner))?;
        row += 1;
    }
    for p in &report.parameters {
        sheet.write_string_with_format(
            row,
            0,
            format!("Tham số / parameter: {}", p.name),
            &bold,
        )?;
        sheet.write_string(row, 1, &p.value)?;
        row += 1;
    }
    for note in &report.notes {
        sheet.write_string(row, 1, note)?;
        row += 1;
    }
    sheet.write_string(row, 1, verification_note(report))?;

    for section in &report.sections {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&section.id)?;
        sheet.write_string_with_format(0, 0, &section.title_vi, &bold)?;
        sheet.write_string_with_format(1, 0, &section.title_en, &italic)?;
        for (i, column) in section.columns.iter().enumerate() {
            let col = i as u16;
            sheet.write_string_with_format(2, col, &column.vi, &bold)?;
            sheet.write_string_with_format(3, col, &column.en, &italic)?;
            let width = match column.kind {
                CellKind::Money => 18.0,
                CellKind::Count => 12.0,
                CellKind::Date => 12.0,
                CellKind::Text => 24.0,
            };
            sheet.set_column_width(col, width)?;
        }
        let all = section.rows.iter().map(|row| (row, false));
        let totals = section.totals.iter().map(|row| (row, true));
        for (r, (cells, is_total)) in (4u32..).zip(all.chain(totals)) {
            for (i, (cell, column)) in cells.iter().zip(&section.columns).enumerate() {
                let col = i as u16;
                match cell {
                    Cell::Int(n) => {
                        let base = if column.kind == CellKind::Money {
                            &money
                        } else {
                            &count
                        };
                        let format = if is_total {
                            &base.clone().set_bold()
                        } else {
                            base
                        };
                        sheet.write_number_with_format(r, col, *n as f64, format)?;
                    }
                    Cell::Text(text) => match (column.kind, parse_date(text)) {
                        (CellKind::Date, Some(d)) => {
                            let when = ExcelDateTime::from_ymd(
                                u16::try_from(d.year()).unwrap_or(1900),
                                d.month() as u8,
                                d.day() as u8,
                            )?;
                            sheet.write_datetime_with_format(r, col, &when, &date)?;
                        }
                        _ if is_total => {
                            sheet.write_string_with_format(r, col, text, &bold)?;
                        }
                        _ => {
                            sheet.write_string(r, col, text)?;
                        }
                    },
                    Cell::Empty => {}
                }
            }
        }
    }
    workbook.save_to_buffer()
}

// ---------------------------------------------------------------------------------------
// CSV

fn csv(report: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        w.write_record(["Báo cáo / Report", &report.title_vi, &report.title_en])?;
        w.write_record(["Loại / kind", &report.kind])?;
        w.write_record([TREE_SIZE_LABEL, &report.checkpoint.tree_size.to_string()])?;
        w.write_record([ROOT_LABEL, &report.checkpoint.root])?;
        for cosigner in &report.checkpoint.cosigned_by {
            w.write_record([COSIGNED_LABEL, &cosigned(cosigner)])?;
        }
        for p in &report.parameters {
            w.write_record([format!("Tham số / parameter: {}", p.name), p.value.clone()])?;
        }
        for note in &report.notes {
            w.write_record(["Ghi chú / note", note])?;
        }
        w.write_record(["", &verification_note(report)])?;
        for section in &report.sections {
            csv_section(&mut w, section)?;
        }
        w.flush()?;
    }
    Ok(out)
}

fn csv_section<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    section: &Section,
) -> Result<(), csv::Error> {
    w.write_record([""])?;
    w.write_record([
        format!("[{}]", section.id),
        section.title_vi.clone(),
        section.title_en.clone(),
    ])?;
    w.write_record(section.columns.iter().map(|c| c.vi.as_str()))?;
    w.write_record(section.columns.iter().map(|c| c.en.as_str()))?;
    for cells in section.rows.iter().chain(section.totals.iter()) {
        let record: Vec<String> = cells
            .iter()
            .zip(&section.columns)
            .map(|(cell, column)| match cell {
                Cell::Int(n) => n.to_string(),
                Cell::Text(t) => match (column.kind, parse_date(t)) {
                    (CellKind::Date, Some(d)) => d.format("%d/%m/%Y").to_string(),
                    _ => t.clone(),
                },
                Cell::Empty => String::new(),
            })
            .collect();
        w.write_record(&record)?;
    }
    Ok(())
}
