using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Gateway.Tests")]
