//! The domain as the interface sees it: markets, products, competitors, observations, analysis,
//! trends and alerts. Prices cross the wire as decimal strings (exact); statistics as `f64`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::organisation::Industry;

/// Period bounds of analysis and trends, in days.
pub const PERIOD_DEFAULT_DAYS: i32 = 30;
pub const PERIOD_MAX_DAYS: i32 = 365;
/// Rows one observation import file may hold.
pub const IMPORT_MAX_ROWS: usize = 5000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Market {
    pub id: Uuid,
    pub name: String,
    pub region: String,
    pub currency: String,
    pub competitors: i64,
    pub observations: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Competitor {
    pub id: Uuid,
    pub name: String,
    pub business_type: String,
    pub website: String,
    pub locations: String,
    pub priority: i16,
    pub market_share_pct: Option<String>,
    pub description: String,
}

/// A competitor's own page: who they are and their latest price of each product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompetitorProfile {
    pub market_id: Uuid,
    pub market: String,
    pub competitor: Competitor,
    /// (product, latest price, currency, when)
    pub latest: Vec<LatestPrice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LatestPrice {
    pub product: String,
    #[cfg_attr(feature = "ssr", schema(example = "12.50"))]
    pub price: String,
    pub currency: String,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub observed_at: String,
    pub is_promotion: bool,
}

/// A market with what is priced in it and who competes in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MarketDetail {
    pub market: Market,
    pub products: Vec<Product>,
    pub competitors: Vec<Competitor>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Observation {
    pub id: Uuid,
    pub competitor: String,
    pub product: String,
    /// Exact decimal, as text.
    #[cfg_attr(feature = "ssr", schema(example = "12.50"))]
    pub price: String,
    pub currency: String,
    /// RFC 3339, UTC.
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub observed_at: String,
    pub source: String,
    pub is_promotion: bool,
    pub promotion_details: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ObservationPage {
    pub rows: Vec<Observation>,
    pub next: Option<String>,
}

/// Descriptive statistics of a set of prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Stats {
    pub count: i64,
    pub mean: f64,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub range: f64,
    /// Sample standard deviation; 0 for a single price.
    pub std_dev: f64,
    pub q1: f64,
    pub q3: f64,
}

/// Where a competitor's median sits against the market's quartiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Low,
    Mid,
    High,
}

impl Position {
    pub fn label(self) -> &'static str {
        match self {
            Position::Low => "low",
            Position::Mid => "mid",
            Position::High => "high",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CompetitorStats {
    pub competitor_id: Uuid,
    pub competitor: String,
    pub stats: Stats,
    /// 1 = cheapest median.
    pub rank: i64,
    pub position: Position,
}

/// A price outside Tukey's fences (below Q1 − 1.5·IQR or above Q3 + 1.5·IQR).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Outlier {
    pub competitor: String,
    pub product: String,
    #[cfg_attr(feature = "ssr", schema(example = "12.50"))]
    pub price: String,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub observed_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Analysis {
    pub days: i32,
    pub product_id: Option<Uuid>,
    pub currency: String,
    /// `None` when the period holds no observation.
    pub market: Option<Stats>,
    pub competitors: Vec<CompetitorStats>,
    pub outliers: Vec<Outlier>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Rising,
    Flat,
    Falling,
}

impl Direction {
    /// Within ±1 % counts as flat.
    pub fn of(change_pct: f64) -> Self {
        if change_pct > 1.0 {
            Direction::Rising
        } else if change_pct < -1.0 {
            Direction::Falling
        } else {
            Direction::Flat
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Direction::Rising => "rising",
            Direction::Flat => "flat",
            Direction::Falling => "falling",
        }
    }
}

/// One competitor's weekly average prices; `points[i]` belongs to `Trend::weeks[i]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TrendSeries {
    pub competitor: String,
    pub points: Vec<Option<f64>>,
    /// Last weekly average minus the first, and as a percentage of the first.
    pub change: Option<f64>,
    pub change_pct: Option<f64>,
    pub direction: Option<Direction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Trend {
    pub product_id: Uuid,
    pub product: String,
    pub currency: String,
    /// Monday of each week, `YYYY-MM-DD`.
    pub weeks: Vec<String>,
    pub series: Vec<TrendSeries>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "alert_kind", rename_all = "snake_case"))]
pub enum AlertKind {
    PriceIncrease,
    PriceDecrease,
    Promotion,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(sqlx::Type))]
#[cfg_attr(feature = "ssr", sqlx(type_name = "alert_severity", rename_all = "snake_case"))]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    /// By the size of the change against the threshold: up to twice the threshold is low, up
    /// to four times medium, beyond that high. A promotion alone is medium.
    pub fn of_change(change_pct: f64, threshold_pct: f64) -> Self {
        let size = change_pct.abs() / threshold_pct;
        if size >= 4.0 {
            Severity::High
        } else if size >= 2.0 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: Uuid,
    pub market_id: Uuid,
    pub competitor: String,
    pub product: String,
    pub kind: AlertKind,
    pub severity: Severity,
    #[cfg_attr(feature = "ssr", schema(example = "12.50"))]
    pub previous_price: Option<String>,
    #[cfg_attr(feature = "ssr", schema(example = "12.50"))]
    pub new_price: String,
    pub change_pct: Option<String>,
    #[cfg_attr(feature = "ssr", schema(format = DateTime))]
    pub created_at: String,
    pub read: bool,
    pub resolved: bool,
}

/// The product template an industry suggests for a new market.
pub fn product_template(industry: Industry) -> &'static [&'static str] {
    match industry {
        Industry::Cinema => &[
            "Standard 2D ticket",
            "3D ticket",
            "IMAX ticket",
            "Premium seat",
            "Child ticket",
            "Large popcorn",
        ],
        Industry::Hotel => &[
            "Standard double room per night",
            "Single room per night",
            "Suite per night",
            "Breakfast",
            "Parking per day",
        ],
        Industry::Gym => &[
            "Monthly membership",
            "Day pass",
            "Annual membership",
            "Personal training session",
            "Group class",
        ],
        Industry::B2b => &[
            "Hourly consulting rate",
            "Monthly retainer",
            "Project setup fee",
            "Support plan per month",
        ],
        Industry::Retail => {
            &["Best-selling item", "Store-brand staple", "Delivery fee", "Loyalty membership"]
        }
    }
}

#[cfg(test)]
mod tests;
