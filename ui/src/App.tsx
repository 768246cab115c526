import { lazy, Suspense, type ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createBrowserRouter, Navigate, RouterProvider, useLocation, type RouteObject } from "react-router";
import { ApiError, session } from "./api/client";
import { Layout } from "./components/Layout";
import { Loading } from "./components/Empty";
import { Login, Signup } from "./pages/Auth";
import { Home, Projects } from "./pages/Projects";
import { ProjectServices } from "./pages/ProjectServices";

// The screens used less often load on demand, to keep the first download small.
const NewService = lazy(() => import("./pages/NewService"));
const ServicePage = lazy(() => import("./pages/ServicePage"));
const DeploymentPage = lazy(() => import("./pages/DeploymentPage"));
const AuditPage = lazy(() => import("./pages/Audit"));
const TokensPage = lazy(() => import("./pages/Tokens"));
const MembersPage = lazy(() => import("./pages/Members"));
const AccountPage = lazy(() => import("./pages/Account"));
const AwsAccountsPage = lazy(() => import("./pages/AwsAccounts"));
const RegistriesPage = lazy(() => import("./pages/Registries"));
const EnvGroupsPage = lazy(() => import("./pages/EnvGroups"));
const EnvGroupPage = lazy(() => import("./pages/EnvGroupPage"));
const ResourcesPage = lazy(() => import("./pages/Resources"));
const ResourcePage = lazy(() => import("./pages/ResourcePage"));
const ProjectGitPage = lazy(() => import("./pages/ProjectGit"));
const NotificationsPage = lazy(() => import("./pages/Notifications"));
const ForgotPasswordPage = lazy(() => import("./pages/PasswordReset").then((m) => ({ default: m.ForgotPassword })));
const ResetPasswordPage = lazy(() => import("./pages/PasswordReset").then((m) => ({ default: m.ResetPassword })));
const VerifyEmailPage = lazy(() => import("./pages/VerifyEmail"));
const ConfirmEmailChangePage = lazy(() => import("./pages/ConfirmEmailChange"));

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        refetchOnWindowFocus: false,
        // a 4xx will not change by asking again
        retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
      },
    },
  });
}

function RequireAuth({ children }: { children: ReactNode }) {
  const location = useLocation();
  if (!session.token) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}

const page = (el: ReactNode) => <Suspense fallback={<Loading what="page" />}>{el}</Suspense>;

export const routes: RouteObject[] = [
  { path: "/login", element: <Login /> },
  { path: "/signup", element: <Signup /> },
  // public: the e-mailed link to choose a new password, and asking for one
  { path: "/forgot-password", element: page(<ForgotPasswordPage />) },
  { path: "/reset-password", element: page(<ResetPasswordPage />) },
  // public too: the e-mailed link that confirms an address (opened signed in or not)
  { path: "/verify-email", element: page(<VerifyEmailPage />) },
  // and the link e-mailed to a new address: moves the account there (opened signed in or not)
  { path: "/confirm-email-change", element: page(<ConfirmEmailChangePage />) },
  {
    element: (
      <RequireAuth>
        <Layout />
      </RequireAuth>
    ),
    children: [
      { path: "/", element: <Home /> },
      { path: "/tokens", element: page(<TokensPage />) },
      { path: "/account", element: page(<AccountPage />) },
      { path: "/orgs/:org", element: <Projects /> },
      { path: "/orgs/:org/projects/:project", element: <ProjectServices /> },
      { path: "/orgs/:org/projects/:project/new", element: page(<NewService />) },
      { path: "/orgs/:org/projects/:project/resources", element: page(<ResourcesPage />) },
      { path: "/orgs/:org/projects/:project/resources/:res", element: page(<ResourcePage />) },
      { path: "/orgs/:org/projects/:project/git", element: page(<ProjectGitPage />) },
      { path: "/orgs/:org/projects/:project/notifications", element: page(<NotificationsPage />) },
      { path: "/orgs/:org/services/:svc", element: page(<ServicePage />) },
      { path: "/orgs/:org/services/:svc/:tab", element: page(<ServicePage />) },
      { path: "/orgs/:org/deployments/:dep", element: page(<DeploymentPage />) },
      { path: "/orgs/:org/audit", element: page(<AuditPage />) },
      { path: "/orgs/:org/members", element: page(<MembersPage />) },
      { path: "/orgs/:org/aws-accounts", element: page(<AwsAccountsPage />) },
      { path: "/orgs/:org/registries", element: page(<RegistriesPage />) },
      { path: "/orgs/:org/env-groups", element: page(<EnvGroupsPage />) },
      { path: "/orgs/:org/env-groups/:group", element: page(<EnvGroupPage />) },
      { path: "*", element: <section><h1>Page not found</h1><p>Nothing here. <a href="/">Back to your projects</a></p></section> },
    ],
  },
];

const queryClient = makeQueryClient();
const router = createBrowserRouter(routes);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
