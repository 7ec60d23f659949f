//! The model's holder history as a timeline: a lane per stage and alias, a bar per tenure,
//! each bar a link to the version that held it, with its dates on hover. Server-rendered
//! SVG; the geometry is `pedigree_core::holders::timeline`'s.
use crate::components::format_time;
use crate::routes;
use leptos::prelude::*;
use pedigree_core::holders::timeline::{layout, LABEL_WIDTH, LANE_HEIGHT};
use pedigree_core::holders::Holding;
use pedigree_core::time::Millis;
use pedigree_core::ModelName;

const WIDTH: f64 = 960.0;

#[component]
pub fn HolderTimeline(name: ModelName, holdings: Vec<Holding>, now: Millis) -> impl IntoView {
    if holdings.is_empty() {
        return view! { <p class="muted">"No version has held a stage or alias yet."</p> }
            .into_any();
    }
    let t = layout(&holdings, now, WIDTH);
    let axis_y = t.lanes.len() as f64 * LANE_HEIGHT;
    let view_box = format!("0 0 {} {}", t.width, t.height);
    view! {
        <svg class="timeline" data-testid="holder-timeline" viewBox=view_box role="group"
            aria-label="Which version held each stage and alias over time">
            {t.lanes.iter().map(|l| view! {
                <text class="lane-label" x="0" y=l.y + LANE_HEIGHT * 0.65>{l.label.clone()}</text>
                <line class="lane" x1=LABEL_WIDTH x2=t.width y1=l.y + LANE_HEIGHT y2=l.y + LANE_HEIGHT/>
            }).collect_view()}
            {t.bars.iter().map(|b| {
                let until = b.to.map_or_else(|| "now".to_string(), format_time);
                let title = format!("v{} from {} to {} (moved by {})", b.version, format_time(b.from), until, b.moved_by);
                let class = if t.lanes[b.lane].label == "Production" { "bar production" } else { "bar" };
                view! {
                    <a href=routes::version(&name, b.version) data-testid="timeline-bar">
                        <rect class=class x=b.x y=b.y width=b.width height=LANE_HEIGHT - 6.0 rx="3">
                            <title>{title}</title>
                        </rect>
                        {(b.width > 28.0).then(|| view! {
                            <text class="bar-label" x=b.x + 4.0 y=b.y + LANE_HEIGHT * 0.55>{format!("v{}", b.version)}</text>
                        })}
                    </a>
                }
            }).collect_view()}
            {t.ticks.iter().map(|(x, at)| view! {
                <text class="tick" x=*x y=axis_y + 16.0 text-anchor="middle">{format_time(*at).chars().take(10).collect::<String>()}</text>
            }).collect_view()}
        </svg>
    }
    .into_any()
}
