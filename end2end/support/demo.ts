// The demo logins `marketedge seed-demo` creates (scripts/test.sh seeds the e2e database).
export const demo = {
  superAdmin: { email: "superadmin@marketedge.example", password: "demo-superadmin-2026", name: "Platform Admin", role: "super-admin", organisation: "MarketEdge platform" },
  admin: { email: "admin@northwind.example", password: "demo-admin-2026!", name: "Nora Admin", role: "admin", organisation: "Northwind Cinemas" },
  analyst: { email: "analyst@northwind.example", password: "demo-analyst-2026!", name: "Ari Analyst", role: "analyst", organisation: "Northwind Cinemas" },
  viewer: { email: "viewer@northwind.example", password: "demo-viewer-2026!", name: "Vic Viewer", role: "viewer", organisation: "Northwind Cinemas" },
  harbourAdmin: { email: "admin@harbour.example", password: "demo-harbour-2026!", name: "Hal Harbour", role: "admin", organisation: "Harbour Hotels" },
} as const;

export type DemoLogin = (typeof demo)[keyof typeof demo];
