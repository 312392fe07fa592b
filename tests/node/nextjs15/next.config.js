/** @type {import('next').NextConfig} */
module.exports = {
  reactStrictMode: true,
  poweredByHeader: false,
  // pg is a Node package: load it at run time rather than bundling it into the server build.
  serverExternalPackages: ["pg"],
};
